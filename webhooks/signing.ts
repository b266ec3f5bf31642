// Owns Standard Webhooks signatures: `whsec_` secrets and the `v1,<base64 HMAC-SHA256>` of
// "{id}.{timestamp}.{body}", keyed by the secret's base64-decoded bytes.
import { createHmac, randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';

export function generateSecret(): string {
  return PREFIX + randomBytes(32).toString('base64');
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
}

function signature(secret: string, id: string, timestamp: number, body: string): string {
  return createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.${body}`).digest('base64');
}

// The webhook-signature header: one `v1,<sig>` per secret, space-separated (a rotation signs with two).
export function signatureHeader(secrets: string[], id: string, timestamp: number, body: string): string {
  return secrets.map((secret) => `v1,${signature(secret, id, timestamp, body)}`).join(' ');
}
