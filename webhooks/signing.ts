// Owns Standard Webhooks signatures: `whsec_` secrets and the `v1,<base64 HMAC-SHA256>` of
// "{id}.{timestamp}.{body}", keyed by the secret's base64-decoded bytes; signing and verifying.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'whsec_';

export function generateSecret(): string {
  return PREFIX + randomBytes(32).toString('base64');
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
}

function signature(secret: string, id: string, timestamp: number | string, body: string | Buffer) {
  return createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.`).update(body).digest();
}

// The webhook-signature header: one `v1,<sig>` per secret, space-separated (a rotation signs with two).
export function signatureHeader(secrets: string[], id: string, timestamp: number, body: string): string {
  return secrets.map((secret) => `v1,${signature(secret, id, timestamp, body).toString('base64')}`).join(' ');
}

export type SignatureFailure = 'signature_missing' | 'timestamp_stale' | 'signature_invalid';

export interface SignedRequest {
  id: string | undefined;
  timestamp: string | undefined;
  signatures: string | undefined;
  body: Buffer;
}

// Checks a request signed by a source system: all three headers, a timestamp within the tolerance, and
// one `v1` signature equal, in constant time, to the one the secret makes over the raw body.
export function verifySigned(
  secret: string,
  request: SignedRequest,
  toleranceSeconds: number,
  now = Date.now(),
): SignatureFailure | null {
  const { id, timestamp, signatures, body } = request;
  if (!id || !timestamp || !signatures) return 'signature_missing';
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(now / 1000 - Number(timestamp)) > toleranceSeconds)
    return 'timestamp_stale';
  const expected = signature(secret, id, timestamp, body);
  const matches = signatures.split(' ').some((entry) => {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return matches ? null : 'signature_invalid';
}
