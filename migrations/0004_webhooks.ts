// Outbound webhooks: partners' endpoints, one message per (endpoint, event), every delivery attempt, and
// the fan-out's position in the events outbox.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE webhook_endpoints (
      id uuid PRIMARY KEY DEFAULT tessera_uuid(),
      tenant_id uuid NOT NULL REFERENCES tenants (id),
      -- Set when a partner key created it: it then receives only events that concern that partner.
      partner_id uuid,
      url text NOT NULL,
      description text,
      event_types text[] NOT NULL,
      enabled boolean NOT NULL DEFAULT true,
      disabled_reason text,
      -- Signing secrets: after a rotation the previous one keeps signing beside the new one for a while.
      secret text NOT NULL,
      previous_secret text,
      previous_secret_until timestamptz,
      failing_since timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id, id);

    CREATE TABLE webhook_messages (
      id uuid PRIMARY KEY DEFAULT tessera_uuid(),
      tenant_id uuid NOT NULL,
      endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
      event_id bigint NOT NULL,
      event_type text NOT NULL,
      -- The exact body every attempt sends, so that a retry is byte for byte the first try.
      body text NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz,
      delivered_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (endpoint_id, event_id)
    );
    CREATE INDEX webhook_messages_endpoint ON webhook_messages (endpoint_id, status, created_at);

    CREATE TABLE webhook_attempts (
      id uuid PRIMARY KEY DEFAULT tessera_uuid(),
      message_id uuid NOT NULL REFERENCES webhook_messages (id) ON DELETE CASCADE,
      attempt integer NOT NULL,
      started_at timestamptz NOT NULL,
      status_code integer,
      duration_ms integer NOT NULL,
      response_body text,
      error text,
      UNIQUE (message_id, attempt)
    );

    -- One row: the last event the fan-out has turned into messages.
    CREATE TABLE webhook_fanout (
      id integer PRIMARY KEY CHECK (id = 1),
      after_tx xid8 NOT NULL DEFAULT '0',
      after_id bigint NOT NULL DEFAULT 0
    );
    INSERT INTO webhook_fanout (id) VALUES (1);
    CREATE INDEX events_commit_order ON events (tx_id, id);
  `);
}

export async function down(): Promise<void> {
  throw new Error('Tessera migrations are forward-only');
}
