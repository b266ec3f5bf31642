// Intake of source events (POS, HR, CRM activity that campaigns turn into rewards), kept apart from the
// events outbox of Tessera's own domain events, and the signed inbound webhook sources that push them.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE inbound_sources (
      id uuid PRIMARY KEY DEFAULT tessera_uuid(),
      tenant_id uuid NOT NULL REFERENCES tenants (id),
      name text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('pos', 'hr', 'crm', 'loyalty', 'other')),
      secret text NOT NULL,
      accepted_count bigint NOT NULL DEFAULT 0,
      -- Rejected requests store nothing but these counters.
      rejected_count bigint NOT NULL DEFAULT 0,
      last_rejected_at timestamptz,
      last_rejection text,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (tenant_id, name)
    );

    -- One row per accepted webhook-id: a redelivery is answered from here and has no second effect.
    CREATE TABLE inbound_deliveries (
      source_id uuid NOT NULL REFERENCES inbound_sources (id) ON DELETE CASCADE,
      webhook_id text NOT NULL,
      status_code integer NOT NULL,
      -- json, not jsonb: a redelivery gets the first answer byte for byte.
      answer json NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (source_id, webhook_id)
    );

    CREATE TABLE source_events (
      id uuid PRIMARY KEY DEFAULT tessera_uuid(),
      tenant_id uuid NOT NULL REFERENCES tenants (id),
      source text NOT NULL,
      source_event_id text NOT NULL,
      type text NOT NULL,
      member_ref text NOT NULL,
      -- unmatched: no member with this reference, and the event did not describe one.
      status text NOT NULL CHECK (status IN ('accepted', 'unmatched')),
      occurred_at timestamptz NOT NULL,
      data jsonb NOT NULL DEFAULT '{}',
      -- What the intake answered, replayed when the same (source, sourceEventId) arrives again.
      outcomes jsonb NOT NULL DEFAULT '[]',
      inbound_source_id uuid REFERENCES inbound_sources (id) ON DELETE SET NULL,
      received_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (tenant_id, source, source_event_id)
    );
    CREATE INDEX source_events_list ON source_events (tenant_id, id);
    CREATE INDEX source_events_member ON source_events (tenant_id, member_ref, occurred_at);
  `);
}

export async function down(): Promise<void> {
  throw new Error('Tessera migrations are forward-only');
}
