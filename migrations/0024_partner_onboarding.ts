// Partner onboarding: a profile, who sourced the partner, its stage (profiling → offer_setup →
// eligibility → uat → live ⇄ suspended) and eligibility; offers gain eligibility and versioned terms;
// UAT runs are kept with each step's result. Partners that exist already are live: their offers work
// today and keep working.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE partners
      ADD COLUMN sourced_by text NOT NULL DEFAULT 'network' CHECK (sourced_by IN ('network', 'client')),
      ADD COLUMN stage text NOT NULL DEFAULT 'profiling'
        CHECK (stage IN ('profiling', 'offer_setup', 'eligibility', 'uat', 'live', 'suspended')),
      -- {category, geographies, rewardTypes, audience}
      ADD COLUMN profile jsonb NOT NULL DEFAULT '{}',
      ADD COLUMN eligibility jsonb,
      -- The key that moved the partner to uat: another must take it live.
      ADD COLUMN uat_key_id text,
      ADD COLUMN went_live_at timestamptz,
      ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
    UPDATE partners SET stage = 'live', went_live_at = now();

    ALTER TABLE offers ADD COLUMN eligibility jsonb;

    CREATE TABLE offer_terms (
      id uuid PRIMARY KEY DEFAULT tessera_uuid(),
      tenant_id uuid NOT NULL REFERENCES tenants (id),
      offer_id uuid NOT NULL REFERENCES offers (id),
      version integer NOT NULL,
      text text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (offer_id, version)
    );

    CREATE TABLE partner_uat_runs (
      id uuid PRIMARY KEY DEFAULT tessera_uuid(),
      tenant_id uuid NOT NULL REFERENCES tenants (id),
      partner_id uuid NOT NULL REFERENCES partners (id),
      offer_id uuid,
      passed boolean NOT NULL,
      -- [{step, ok, detail}]
      steps jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX partner_uat_runs_partner ON partner_uat_runs (partner_id, created_at);
  `);
}

export async function down(): Promise<void> {
  throw new Error('Tessera migrations are forward-only');
}
