// Providers' status reports are kept 30 days: long after any send they could still apply to.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX delivery_reports_received ON delivery_reports (received_at)');
}

export async function down(): Promise<void> {
  throw new Error('Tessera migrations are forward-only');
}
