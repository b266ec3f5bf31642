// Validating a pending redemption: a one-time code sent to the member (kept hashed, with its expiry) or
// the member's PIN (kept hashed, never shown), and the attempts made against either.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE members ADD COLUMN pin_hash text;
    ALTER TABLE redemptions
      ADD COLUMN otp_hash text,
      ADD COLUMN otp_expires_at timestamptz,
      ADD COLUMN validation_attempts integer NOT NULL DEFAULT 0;
  `);
}

export async function down(): Promise<void> {
  throw new Error('Tessera migrations are forward-only');
}
