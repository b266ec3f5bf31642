// Members get a locale (BCP 47; messages fall back to English) and the channels they opted out of, which
// deliveries skip.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE members ADD COLUMN locale text, ADD COLUMN opt_outs text[] NOT NULL DEFAULT '{}';
  `);
}

export async function down(): Promise<void> {
  throw new Error('Tessera migrations are forward-only');
}
