// Offer redemptions: one record per redemption with the same schema for every partner (offer, partner,
// time, channel, the member's tier as a token, status, validation method). A voucher code redeems once:
// it is held by a pending redemption and spent by a successful one. Complaints can name a redemption.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE voucher_codes ADD COLUMN redeemed_at timestamptz;

    CREATE TABLE redemptions (
      id uuid PRIMARY KEY DEFAULT tessera_uuid(),
      tenant_id uuid NOT NULL REFERENCES tenants (id),
      offer_id uuid NOT NULL REFERENCES offers (id),
      partner_id uuid NOT NULL REFERENCES partners (id),
      code_id uuid REFERENCES voucher_codes (id),
      member_id uuid REFERENCES members (id),
      member_ref text,
      -- The member's tier as a token: reports group by it without holding personal data.
      tier_token text,
      channel text NOT NULL CHECK (channel IN ('online', 'in_store', 'app', 'call_centre')),
      location text,
      store_id text,
      validation_method text NOT NULL CHECK (validation_method IN ('otp', 'pin', 'qr', 'code', 'none')),
      status text NOT NULL CHECK (status IN ('successful', 'pending', 'failed')),
      failure_reason text,
      occurred_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    -- A code is redeemed once: one pending or successful redemption holds it.
    CREATE UNIQUE INDEX redemptions_code_once ON redemptions (code_id) WHERE status IN ('pending', 'successful');
    CREATE INDEX redemptions_tenant ON redemptions (tenant_id, occurred_at, id);
    CREATE INDEX redemptions_partner ON redemptions (tenant_id, partner_id, occurred_at);

    -- A complaint about a redemption may have no reward behind it (a redemption by member).
    ALTER TABLE complaints ADD COLUMN redemption_id uuid REFERENCES redemptions (id),
      ALTER COLUMN issuance_id DROP NOT NULL,
      ADD CONSTRAINT complaints_subject CHECK (issuance_id IS NOT NULL OR redemption_id IS NOT NULL);
  `);
}

export async function down(): Promise<void> {
  throw new Error('Tessera migrations are forward-only');
}
