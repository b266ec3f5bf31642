// Points travel as JSON numbers: no account counter may pass 2^53 - 1 (Number.MAX_SAFE_INTEGER), where
// adding 1 would no longer change the number a client reads. A movement that would is refused whole.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_safe_integers CHECK (
      debits_pending <= 9007199254740991 AND debits_posted <= 9007199254740991
      AND credits_pending <= 9007199254740991 AND credits_posted <= 9007199254740991
    );
  `);
}

export async function down(): Promise<void> {
  throw new Error('Tessera migrations are forward-only');
}
