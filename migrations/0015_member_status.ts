// Members get a status: a leaver reported by an HR system is `inactive` and earns no new rewards. Every
// member known so far is active. Connector runs count the members they deactivated.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE members ADD COLUMN status text NOT NULL DEFAULT 'active'
      CONSTRAINT members_status_known CHECK (status IN ('active', 'inactive'));
    CREATE INDEX members_inactive ON members (tenant_id, id) WHERE status = 'inactive';
    ALTER TABLE connector_runs ADD COLUMN deactivated integer NOT NULL DEFAULT 0;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    'ALTER TABLE members DROP COLUMN status; ALTER TABLE connector_runs DROP COLUMN deactivated',
  );
}
