// An inbound source may belong to a connection (a POS feed): its signed requests are then read by that
// connection's connector rather than as Tessera's own event shape. The source goes with the connection.
// Runs count the records they skipped (a POS transaction with no loyalty id, a void).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE inbound_sources
      ADD COLUMN connection_id uuid UNIQUE REFERENCES connections (id) ON DELETE CASCADE;
    ALTER TABLE connector_runs ADD COLUMN skipped integer NOT NULL DEFAULT 0;
  `);
}

export async function down(): Promise<void> {
  throw new Error('Tessera migrations are forward-only');
}
