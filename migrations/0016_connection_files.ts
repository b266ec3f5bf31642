// Files sent to a connection (an HR export, a POS journal): stored in chunks as they stream in, each
// processed by a run of its own in the order received. Members a connection brought in are remembered
// (with the last file that listed them, so that a complete export deactivates the absent; and for the
// connection's milestones).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- File runs queue behind each other, one per file, beside the connection's own pull runs.
    DROP INDEX connector_runs_active;
    CREATE UNIQUE INDEX connector_runs_active ON connector_runs (connection_id)
      WHERE status IN ('queued', 'running') AND trigger <> 'file';

    CREATE TABLE connection_files (
      id uuid PRIMARY KEY DEFAULT tessera_uuid(),
      tenant_id uuid NOT NULL,
      connection_id uuid NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
      -- The run that reads it; a run that took over from a dead worker's takes the file with it.
      run_id uuid NOT NULL REFERENCES connector_runs (id) ON DELETE CASCADE,
      content_type text NOT NULL,
      -- A full export: members of this connection that it does not list are deactivated.
      complete boolean NOT NULL DEFAULT false,
      bytes bigint NOT NULL,
      sha256 text NOT NULL,
      -- Where the run resumes: rows committed so far.
      cursor jsonb,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX connection_files_run ON connection_files (run_id);

    CREATE TABLE connection_file_chunks (
      file_id uuid NOT NULL REFERENCES connection_files (id) ON DELETE CASCADE,
      seq integer NOT NULL,
      data bytea NOT NULL,
      PRIMARY KEY (file_id, seq)
    );

    CREATE TABLE connection_members (
      connection_id uuid NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
      member_id uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
      -- The last file that listed the member; NULL for members only pulls brought in.
      last_file_id uuid,
      PRIMARY KEY (connection_id, member_id)
    );
  `);
}

export async function down(): Promise<void> {
  throw new Error('Tessera migrations are forward-only');
}
