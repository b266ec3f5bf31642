// The live feed: a NOTIFY at the commit of every transaction that records events, so that every server
// process reads them at once, and the key that signs short-lived live tokens, shared by all processes.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION tessera_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      -- Delivered at commit, once per transaction however many events it records.
      PERFORM pg_notify('tessera_events', '');
      RETURN NULL;
    END $$;
    CREATE TRIGGER events_notify AFTER INSERT ON events FOR EACH STATEMENT EXECUTE FUNCTION tessera_events_notify();

    CREATE TABLE live_signing_key (
      id integer PRIMARY KEY CHECK (id = 1),
      secret text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
  `);
}

export async function down(): Promise<void> {
  throw new Error('Tessera migrations are forward-only');
}
