// The reward catalog (partners, offers, voucher codes), campaigns with their governance counters, the
// per-member progress of their rules, and issuances.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE partners (
      id uuid PRIMARY KEY DEFAULT tessera_uuid(),
      tenant_id uuid NOT NULL REFERENCES tenants (id),
      name text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (tenant_id, name)
    );

    CREATE TABLE offers (
      id uuid PRIMARY KEY DEFAULT tessera_uuid(),
      tenant_id uuid NOT NULL REFERENCES tenants (id),
      partner_id uuid NOT NULL REFERENCES partners (id),
      name text NOT NULL,
      type text NOT NULL CHECK (type IN ('gift_card', 'experience', 'merchandise', 'wallet')),
      currency text NOT NULL,
      -- {"fixed": [500, 1000]} or {"min": 100, "max": 5000, "step": 100}
      denominations jsonb NOT NULL,
      expiry_days integer,
      country text,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX offers_tenant ON offers (tenant_id, id);

    CREATE TABLE voucher_codes (
      id uuid PRIMARY KEY DEFAULT tessera_uuid(),
      tenant_id uuid NOT NULL,
      offer_id uuid NOT NULL REFERENCES offers (id),
      denomination integer NOT NULL,
      code text NOT NULL,
      issuance_id uuid,
      assigned_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (offer_id, code)
    );
    -- Assignment takes the oldest free code of an offer and denomination.
    CREATE INDEX voucher_codes_free ON voucher_codes (offer_id, denomination, created_at)
      WHERE issuance_id IS NULL;

    CREATE TABLE campaigns (
      id uuid PRIMARY KEY DEFAULT tessera_uuid(),
      tenant_id uuid NOT NULL REFERENCES tenants (id),
      name text NOT NULL,
      status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'paused', 'ended')),
      starts_at timestamptz NOT NULL,
      ends_at timestamptz NOT NULL,
      event_type text NOT NULL,
      rule jsonb NOT NULL,
      reward jsonb NOT NULL,
      -- What one reward costs against the budget: points, or the voucher's denomination.
      reward_cost bigint NOT NULL,
      approval text NOT NULL CHECK (approval IN ('auto', 'manual')),
      max_rewards integer,
      member_cap_count integer,
      member_cap_period_days integer,
      budget bigint,
      eligibility jsonb NOT NULL DEFAULT '{}',
      -- Governance counters, taken when an issuance is created and given back when it is rejected or
      -- fails: one conditional UPDATE of this row keeps caps and budget exact under any concurrency.
      rewards_taken integer NOT NULL DEFAULT 0,
      budget_taken bigint NOT NULL DEFAULT 0,
      rewards_fulfilled integer NOT NULL DEFAULT 0,
      budget_spent bigint NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK (ends_at > starts_at)
    );
    CREATE INDEX campaigns_listening ON campaigns (tenant_id, event_type) WHERE status = 'active';
    CREATE INDEX campaigns_tenant ON campaigns (tenant_id, id);

    -- A member's progress towards a campaign's rule; its row lock orders the events of one member.
    CREATE TABLE campaign_progress (
      campaign_id uuid NOT NULL REFERENCES campaigns (id),
      member_id uuid NOT NULL REFERENCES members (id),
      -- Counted and not yet consumed: [{"at": iso, "amount": n}], oldest first.
      entries jsonb NOT NULL DEFAULT '[]',
      -- A lifetime cumulative rule's carried amount.
      carried numeric NOT NULL DEFAULT 0,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (campaign_id, member_id)
    );

    CREATE TABLE issuances (
      id uuid PRIMARY KEY DEFAULT tessera_uuid(),
      tenant_id uuid NOT NULL REFERENCES tenants (id),
      campaign_id uuid NOT NULL REFERENCES campaigns (id),
      member_id uuid NOT NULL REFERENCES members (id),
      member_ref text NOT NULL,
      origin text NOT NULL CHECK (origin IN ('rule', 'api', 'upload')),
      source_event_id uuid REFERENCES source_events (id),
      reason text,
      reward jsonb NOT NULL,
      cost bigint NOT NULL,
      status text NOT NULL CHECK (status IN ('pending_approval', 'approved', 'rejected', 'fulfilled', 'failed')),
      failure_reason text,
      decision_reason text,
      transfer_id uuid,
      voucher_code_id uuid REFERENCES voucher_codes (id),
      created_at timestamptz NOT NULL DEFAULT now(),
      decided_at timestamptz,
      fulfilled_at timestamptz
    );
    CREATE INDEX issuances_tenant ON issuances (tenant_id, id);
    CREATE INDEX issuances_campaign ON issuances (campaign_id, status);
    CREATE INDEX issuances_member ON issuances (campaign_id, member_id, created_at);
  `);
}

export async function down(): Promise<void> {
  throw new Error('Tessera migrations are forward-only');
}
