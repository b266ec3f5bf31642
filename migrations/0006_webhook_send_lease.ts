// A message being sent carries a lease instead of a transaction held open across the HTTP request: a
// long-open transaction would hold back the outbox horizon that fan-out and every reader of the events
// cursor wait for, so one slow receiver would delay every other endpoint.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE webhook_messages ADD COLUMN sending_until timestamptz');
}

export async function down(): Promise<void> {
  throw new Error('Tessera migrations are forward-only');
}
