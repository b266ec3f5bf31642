// Stored answers keep their exact text (json, not jsonb), so that a replay is byte-for-byte the first answer.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    'ALTER TABLE idempotency_keys ALTER COLUMN response_body TYPE json USING response_body::json',
  );
}

export async function down(): Promise<void> {
  throw new Error('Tessera migrations are forward-only');
}
