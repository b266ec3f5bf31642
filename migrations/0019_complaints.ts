// Complaints about a reward (a code that does not work, a reward never received), tracked against an SLA
// by priority; a voucher code can be voided when a complaint reissues its reward, and is never assigned
// again.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE complaints (
      id uuid PRIMARY KEY DEFAULT tessera_uuid(),
      tenant_id uuid NOT NULL REFERENCES tenants (id),
      issuance_id uuid NOT NULL REFERENCES issuances (id),
      category text NOT NULL CHECK (category IN ('code_not_working', 'not_received', 'wrong_amount', 'other')),
      description text NOT NULL,
      priority text NOT NULL CHECK (priority IN ('P1', 'P2', 'P3', 'P4')),
      status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'resolved', 'closed')),
      assignee text,
      due_at timestamptz NOT NULL,
      breached_at timestamptz,
      resolved_at timestamptz,
      closed_at timestamptz,
      -- Comments and one-click fixes, oldest first: [{at, by, kind, text}].
      notes jsonb NOT NULL DEFAULT '[]',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX complaints_tenant ON complaints (tenant_id, id);
    -- What the SLA schedule looks at: unresolved complaints not yet found late.
    CREATE INDEX complaints_due ON complaints (due_at) WHERE status IN ('open', 'in_progress') AND breached_at IS NULL;

    ALTER TABLE voucher_codes ADD COLUMN voided_at timestamptz;
  `);
}

export async function down(): Promise<void> {
  throw new Error('Tessera migrations are forward-only');
}
