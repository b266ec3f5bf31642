// A client-chosen transfer id is unique within its tenant only, so that choosing one reveals nothing
// about another tenant's transfers: the key is (tenant_id, id), and a reversal names its transfer so.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE ledger_transfers DROP CONSTRAINT ledger_transfers_reverses_id_fkey;
    ALTER TABLE ledger_transfers DROP CONSTRAINT ledger_transfers_reverses_id_key;
    ALTER TABLE ledger_transfers DROP CONSTRAINT ledger_transfers_pkey;
    ALTER TABLE ledger_transfers ADD PRIMARY KEY (tenant_id, id);
    DROP INDEX ledger_transfers_page;
    ALTER TABLE ledger_transfers ADD CONSTRAINT ledger_transfers_reverses_key UNIQUE (tenant_id, reverses_id);
    ALTER TABLE ledger_transfers ADD CONSTRAINT ledger_transfers_reverses_fkey
      FOREIGN KEY (tenant_id, reverses_id) REFERENCES ledger_transfers (tenant_id, id);
  `);
}

export async function down(): Promise<void> {
  throw new Error('Tessera migrations are forward-only');
}
