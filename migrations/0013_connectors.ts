// Connections to vendor systems (CRM, HR, POS) and the log of their runs. A connection's name becomes the
// `source` of the events it brings in; its credentials are stored sealed (AES-256-GCM), never in clear.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE connections (
      id uuid PRIMARY KEY DEFAULT tessera_uuid(),
      tenant_id uuid NOT NULL REFERENCES tenants (id),
      type text NOT NULL,
      name text NOT NULL,
      config jsonb NOT NULL DEFAULT '{}',
      -- "v1.<iv>.<tag>.<ciphertext>", base64url; NULL when none were given.
      credentials text,
      credentials_updated_at timestamptz,
      schedule text,
      time_zone text NOT NULL DEFAULT 'UTC',
      status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused')),
      -- Where the next pull resumes, committed with each page it follows.
      cursor jsonb,
      -- Where the write-back resumes in the outbox.
      write_back_cursor text,
      next_run_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (tenant_id, name)
    );
    CREATE INDEX connections_due ON connections (next_run_at) WHERE status = 'active' AND schedule IS NOT NULL;

    CREATE TABLE connector_runs (
      id uuid PRIMARY KEY DEFAULT tessera_uuid(),
      tenant_id uuid NOT NULL,
      connection_id uuid NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
      trigger text NOT NULL CHECK (trigger IN ('schedule', 'manual', 'file', 'push')),
      status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
      queued_at timestamptz NOT NULL DEFAULT now(),
      started_at timestamptz,
      finished_at timestamptz,
      fetched integer NOT NULL DEFAULT 0,
      created integer NOT NULL DEFAULT 0,
      updated integer NOT NULL DEFAULT 0,
      unchanged integer NOT NULL DEFAULT 0,
      failed integer NOT NULL DEFAULT 0,
      -- The first 100 record errors: [{record, code, message}].
      errors jsonb NOT NULL DEFAULT '[]',
      -- Why the run as a whole failed.
      failure jsonb
    );
    -- One queued or running run per connection: a second sync request answers the first's id.
    CREATE UNIQUE INDEX connector_runs_active ON connector_runs (connection_id) WHERE status IN ('queued', 'running');
    CREATE INDEX connector_runs_connection ON connector_runs (connection_id, id);
  `);
}

export async function down(): Promise<void> {
  throw new Error('Tessera migrations are forward-only');
}
