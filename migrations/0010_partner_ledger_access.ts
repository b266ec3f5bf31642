// A redemption partner is not a loyalty platform: only a partner an admin grants ledger access (an
// external loyalty platform such as Loyalife) may read balances and move points with its keys.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE partners ADD COLUMN ledger_access text NOT NULL DEFAULT 'none'
      CHECK (ledger_access IN ('none', 'redeem', 'redeem_and_credit'));
  `);
}

export async function down(): Promise<void> {
  throw new Error('Tessera migrations are forward-only');
}
