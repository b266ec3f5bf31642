// A campaign may say in which order its rewards try the channels (e.g. WhatsApp, then SMS, then email).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE campaigns ADD COLUMN delivery jsonb');
}

export async function down(): Promise<void> {
  throw new Error('Tessera migrations are forward-only');
}
