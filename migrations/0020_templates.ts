// Message templates per channel, locale and kind of reward: what a points notice or a voucher says by
// SMS, email or WhatsApp (an approved WhatsApp template is named, not written here).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE templates (
      id uuid PRIMARY KEY DEFAULT tessera_uuid(),
      tenant_id uuid NOT NULL REFERENCES tenants (id),
      channel text NOT NULL CHECK (channel IN ('sms', 'email', 'whatsapp')),
      locale text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('points', 'voucher', 'otp')),
      subject text,
      body text,
      -- WhatsApp: the approved template's name and language.
      whatsapp_name text,
      whatsapp_language text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (tenant_id, channel, locale, kind)
    );
  `);
}

export async function down(): Promise<void> {
  throw new Error('Tessera migrations are forward-only');
}
