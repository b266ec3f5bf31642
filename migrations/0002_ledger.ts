// The points ledger: member accounts with an overdraft-proof balance, system accounts per tenant, transfers.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- A member account's id is its member's id. System accounts (issuance source, redemption sink,
    -- expiry) keep no counters of their own: their balances are derived from transfers, so that no
    -- transfer has to lock a row that every other transfer of the tenant also locks.
    CREATE TABLE ledger_accounts (
      id uuid PRIMARY KEY DEFAULT tessera_uuid(),
      tenant_id uuid NOT NULL REFERENCES tenants (id),
      kind text NOT NULL CHECK (kind IN ('member', 'issuance', 'redemption', 'expiry')),
      debits_pending bigint NOT NULL DEFAULT 0 CHECK (debits_pending >= 0),
      debits_posted bigint NOT NULL DEFAULT 0 CHECK (debits_posted >= 0),
      credits_pending bigint NOT NULL DEFAULT 0 CHECK (credits_pending >= 0),
      credits_posted bigint NOT NULL DEFAULT 0 CHECK (credits_posted >= 0),
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT ledger_accounts_no_overdraft
        CHECK (kind <> 'member' OR credits_posted - debits_posted - debits_pending >= 0)
    );
    CREATE UNIQUE INDEX ledger_accounts_system ON ledger_accounts (tenant_id, kind) WHERE kind <> 'member';

    CREATE FUNCTION ledger_open_system_accounts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO ledger_accounts (tenant_id, kind)
      SELECT NEW.id, kind FROM unnest(ARRAY['issuance', 'redemption', 'expiry']) AS kind;
      RETURN NEW;
    END
    $$;
    CREATE TRIGGER tenants_open_system_accounts AFTER INSERT ON tenants
      FOR EACH ROW EXECUTE FUNCTION ledger_open_system_accounts();
    INSERT INTO ledger_accounts (tenant_id, kind)
      SELECT tenants.id, kind FROM tenants, unnest(ARRAY['issuance', 'redemption', 'expiry']) AS kind;

    -- Amounts and accounts of a transfer never change. A reservation (kind 'reservation') moves once from
    -- pending to posted (posted_amount ≤ amount), voided or expired. Account columns carry no foreign
    -- key on purpose: each check would take a share lock on the tenant's system account rows.
    CREATE TABLE ledger_transfers (
      id uuid PRIMARY KEY DEFAULT tessera_uuid(),
      tenant_id uuid NOT NULL,
      kind text NOT NULL CHECK (kind IN ('credit', 'reservation', 'debit', 'reversal')),
      debit_account_id uuid NOT NULL,
      credit_account_id uuid NOT NULL,
      member_id uuid NOT NULL,
      member_ref text NOT NULL,
      amount bigint NOT NULL CHECK (amount > 0),
      posted_amount bigint CHECK (posted_amount >= 0 AND posted_amount <= amount),
      status text NOT NULL CHECK (status IN ('pending', 'posted', 'voided', 'expired')),
      source text NOT NULL,
      reference text,
      reason text,
      partner_id uuid,
      metadata jsonb NOT NULL DEFAULT '{}',
      reverses_id uuid UNIQUE REFERENCES ledger_transfers (id),
      expires_at timestamptz,
      resolved_at timestamptz,
      resolution_reason text,
      created_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((kind = 'reservation') = (expires_at IS NOT NULL)),
      CHECK (status <> 'posted' OR posted_amount IS NOT NULL)
    );
    CREATE INDEX ledger_transfers_page ON ledger_transfers (tenant_id, id);
    CREATE INDEX ledger_transfers_member ON ledger_transfers (tenant_id, member_id, id);
    CREATE INDEX ledger_transfers_source ON ledger_transfers (tenant_id, source, id);
    CREATE INDEX ledger_transfers_reference ON ledger_transfers (tenant_id, reference);
    CREATE INDEX ledger_transfers_due ON ledger_transfers (expires_at) WHERE status = 'pending';
  `);
}

export async function down(): Promise<void> {
  throw new Error('Tessera migrations are forward-only');
}
