// Idempotency records belong to the API key that made them (as Stripe scopes keys to the account and
// API key): another key's request with the same Idempotency-Key is an independent request. Records
// made before this change carry no key id; they stay under the nil id until the purge removes them.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE idempotency_keys
      ADD COLUMN api_key_id uuid NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000';
    ALTER TABLE idempotency_keys ALTER COLUMN api_key_id DROP DEFAULT;
    ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
    ALTER TABLE idempotency_keys ADD PRIMARY KEY (tenant_id, api_key_id, key);
  `);
}

export async function down(): Promise<void> {
  throw new Error('Tessera migrations are forward-only');
}
