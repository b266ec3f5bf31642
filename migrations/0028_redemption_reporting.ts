// Redemption reporting: each redemption's amount (its code's denomination); daily aggregates of settled
// redemptions, rolled up to a per-tenant watermark, which the stats read with the rows past it; export
// profiles (the fields a file may hold) and stored exports (the monthly reconciliation) in chunks; and
// when a redemption's personal details were anonymised.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE redemptions ADD COLUMN amount integer, ADD COLUMN anonymised_at timestamptz;
    CREATE INDEX redemptions_updated ON redemptions (tenant_id, updated_at);
    CREATE INDEX redemptions_pending ON redemptions (tenant_id) WHERE status = 'pending';

    CREATE TABLE redemption_daily (
      tenant_id uuid NOT NULL REFERENCES tenants (id),
      day date NOT NULL,
      partner_id uuid NOT NULL,
      offer_id uuid NOT NULL,
      channel text NOT NULL,
      tier_token text,
      validation_method text NOT NULL,
      status text NOT NULL,
      count bigint NOT NULL,
      amount bigint NOT NULL,
      UNIQUE NULLS NOT DISTINCT (tenant_id, day, partner_id, offer_id, channel, tier_token, validation_method, status)
    );
    -- Settled redemptions last changed before 'until' are in redemption_daily.
    CREATE TABLE redemption_rollup (
      tenant_id uuid PRIMARY KEY REFERENCES tenants (id),
      until timestamptz NOT NULL
    );

    CREATE TABLE export_profiles (
      id uuid PRIMARY KEY DEFAULT tessera_uuid(),
      tenant_id uuid NOT NULL REFERENCES tenants (id),
      name text NOT NULL,
      fields text[] NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (tenant_id, name)
    );

    CREATE TABLE exports (
      id uuid PRIMARY KEY DEFAULT tessera_uuid(),
      tenant_id uuid NOT NULL REFERENCES tenants (id),
      kind text NOT NULL,
      profile text NOT NULL,
      format text NOT NULL,
      period_from timestamptz NOT NULL,
      period_to timestamptz NOT NULL,
      rows bigint NOT NULL DEFAULT 0,
      bytes bigint NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (tenant_id, kind, period_from)
    );
    CREATE TABLE export_chunks (
      export_id uuid NOT NULL REFERENCES exports (id),
      seq integer NOT NULL,
      data bytea NOT NULL,
      PRIMARY KEY (export_id, seq)
    );
  `);
}

export async function down(): Promise<void> {
  throw new Error('Tessera migrations are forward-only');
}
