// Foundation schema: tenants and API keys, members, idempotency keys, the events outbox and the audit log.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- Time-ordered UUIDs (v7 layout) so that lists page by primary key; works on PostgreSQL 13+.
    CREATE FUNCTION tessera_uuid() RETURNS uuid LANGUAGE sql VOLATILE AS $$
      SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
        PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
        FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid
    $$;

    CREATE TABLE tenants (
      id uuid PRIMARY KEY DEFAULT tessera_uuid(),
      name text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE api_keys (
      id uuid PRIMARY KEY DEFAULT tessera_uuid(),
      tenant_id uuid NOT NULL REFERENCES tenants (id),
      name text NOT NULL,
      role text NOT NULL CHECK (role IN ('admin', 'integration', 'partner', 'viewer')),
      partner_id uuid,
      key_prefix text NOT NULL,
      key_hash text NOT NULL UNIQUE,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_used_at timestamptz,
      revoked_at timestamptz,
      CHECK ((role = 'partner') = (partner_id IS NOT NULL))
    );
    CREATE INDEX api_keys_tenant ON api_keys (tenant_id, id);

    CREATE TABLE members (
      id uuid PRIMARY KEY DEFAULT tessera_uuid(),
      tenant_id uuid NOT NULL REFERENCES tenants (id),
      external_ref text NOT NULL,
      name text,
      email text,
      phone text,
      whatsapp text,
      preferred_channel text CHECK (preferred_channel IN ('sms', 'email', 'whatsapp')),
      country text,
      tier text,
      segments text[] NOT NULL DEFAULT '{}',
      attributes jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (tenant_id, external_ref)
    );
    CREATE INDEX members_tenant_page ON members (tenant_id, id);
    CREATE INDEX members_segments ON members USING gin (segments);

    CREATE TABLE idempotency_keys (
      tenant_id uuid NOT NULL,
      key text NOT NULL,
      fingerprint text NOT NULL,
      status text NOT NULL CHECK (status IN ('in_progress', 'completed')),
      response_status integer,
      response_body jsonb,
      locked_at timestamptz NOT NULL DEFAULT now(),
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, key)
    );
    CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);

    -- The outbox. tx_id is the writing transaction's id: readers order by (tx_id, id) and only read
    -- below the oldest transaction still running, so a row that commits late is never skipped.
    CREATE TABLE events (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      tx_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
      tenant_id uuid NOT NULL,
      type text NOT NULL,
      subject text,
      data jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX events_feed ON events (tenant_id, tx_id, id);

    CREATE TABLE audit_log (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      tenant_id uuid NOT NULL,
      actor_key_id uuid,
      actor_role text,
      action text NOT NULL,
      entity_type text NOT NULL,
      entity_id text NOT NULL,
      request_id text,
      summary text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX audit_log_entity ON audit_log (tenant_id, entity_type, entity_id, id);
    CREATE INDEX audit_log_time ON audit_log (tenant_id, created_at, id);

    CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
    END
    $$;
    CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
  `);
}

export async function down(): Promise<void> {
  throw new Error('Tessera migrations are forward-only');
}
