// Reward deliveries: one per fulfilled issuance and voucher code, sent through the tenant's one active provider of each
// channel, its attempts, and the provider's status reports. The deliveries table is its own send queue
// (due at next_attempt_at, leased while sending), like webhook messages. The fan-out's cursor starts
// now: rewards given before deliveries existed are not messaged.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE connections ADD COLUMN channel text CHECK (channel IN ('sms', 'email', 'whatsapp'));
    UPDATE connections SET channel = CASE type WHEN 'smtp' THEN 'email' WHEN 'twilio' THEN 'sms' ELSE 'whatsapp' END
     WHERE type IN ('smtp', 'twilio', 'whatsapp');
    CREATE UNIQUE INDEX connections_one_channel ON connections (tenant_id, channel)
      WHERE status = 'active' AND channel IS NOT NULL;

    -- The values an approved WhatsApp template takes as its body parameters, in order.
    ALTER TABLE templates ADD COLUMN whatsapp_parameters text[];

    CREATE TABLE deliveries (
      id uuid PRIMARY KEY DEFAULT tessera_uuid(),
      tenant_id uuid NOT NULL REFERENCES tenants (id),
      issuance_id uuid NOT NULL REFERENCES issuances (id),
      -- The voucher code the message carries: a reissued code is a message of its own.
      code_id uuid,
      campaign_id uuid NOT NULL,
      member_id uuid NOT NULL,
      member_ref text NOT NULL,
      -- A voucher's partner, so that partners' webhooks and live subscriptions see their own.
      partner_id uuid,
      kind text NOT NULL CHECK (kind IN ('points', 'voucher')),
      status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'delivered', 'failed')),
      -- The channel, provider and provider's id of the current or last send.
      channel text,
      connection_id uuid,
      provider_id text,
      -- Channels that failed for good since the delivery was created or last resent.
      tried text[] NOT NULL DEFAULT '{}',
      -- Attempts on the current channel, which the retry schedule counts.
      attempts integer NOT NULL DEFAULT 0,
      failure_reason text,
      failure_detail text,
      next_attempt_at timestamptz DEFAULT now(),
      sending_until timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      sent_at timestamptz,
      delivered_at timestamptz,
      failed_at timestamptz
    );
    CREATE UNIQUE INDEX deliveries_reward ON deliveries (issuance_id, code_id) NULLS NOT DISTINCT;
    CREATE INDEX deliveries_due ON deliveries (next_attempt_at, id) WHERE status = 'queued';
    CREATE INDEX deliveries_tenant ON deliveries (tenant_id, id);
    CREATE INDEX deliveries_failed ON deliveries (tenant_id, failure_reason) WHERE status = 'failed';
    CREATE INDEX deliveries_provider ON deliveries (connection_id, provider_id) WHERE provider_id IS NOT NULL;

    ALTER TABLE complaints ADD COLUMN delivery_id uuid REFERENCES deliveries (id);

    CREATE TABLE delivery_attempts (
      id bigserial PRIMARY KEY,
      delivery_id uuid NOT NULL REFERENCES deliveries (id),
      at timestamptz NOT NULL DEFAULT now(),
      channel text NOT NULL,
      connection_id uuid,
      address text,
      provider_id text,
      -- sent, then delivered or failed by the provider's report; or transient / failed at once.
      outcome text NOT NULL CHECK (outcome IN ('sent', 'delivered', 'transient', 'failed')),
      reason text,
      error text
    );
    CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, id);

    -- Status reports as providers send them, each once; one that comes before the send it reports on is
    -- recorded applies when that send is.
    CREATE TABLE delivery_reports (
      connection_id uuid NOT NULL,
      provider_id text NOT NULL,
      status text NOT NULL CHECK (status IN ('sent', 'delivered', 'failed')),
      transient boolean NOT NULL DEFAULT false,
      reason text,
      error text,
      received_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (connection_id, provider_id, status)
    );

    CREATE TABLE delivery_fanout (
      id integer PRIMARY KEY CHECK (id = 1),
      after_tx xid8 NOT NULL,
      after_id bigint NOT NULL DEFAULT 0
    );
    INSERT INTO delivery_fanout (id, after_tx) SELECT 1, pg_snapshot_xmin(pg_current_snapshot());

    -- The oldest due deliveries in index order, pinned as webhook_due_messages is.
    CREATE FUNCTION delivery_due(scan integer)
      RETURNS TABLE (id uuid, next_attempt_at timestamptz)
      LANGUAGE sql STABLE
      SET enable_bitmapscan = off SET enable_sort = off
    AS $$
      SELECT d.id, d.next_attempt_at FROM deliveries d
       WHERE d.status = 'queued' AND d.next_attempt_at <= now()
         AND (d.sending_until IS NULL OR d.sending_until <= now())
       ORDER BY d.next_attempt_at, d.id
       LIMIT scan
    $$;
  `);
}

export async function down(): Promise<void> {
  throw new Error('Tessera migrations are forward-only');
}
