// Owns Standard Webhooks signatures for both directions: `whsec_` secrets, the signature header Tessera
// sends (one `v1,<sig>` per secret, so a rotation signs with two) and the check of what a source system
// sends. The signing itself is the standardwebhooks package's, the reference implementation receivers use.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

const PREFIX = 'whsec_';

export function generateSecret(): string {
  return PREFIX + randomBytes(32).toString('base64');
}

// `v1,<base64 HMAC-SHA256>` of "{id}.{timestamp}.{body}", keyed by the secret's base64-decoded bytes.
function sign(secret: string, id: string, timestampSeconds: number, body: string | Buffer): string {
  return new Webhook(secret).sign(id, new Date(timestampSeconds * 1000), body);
}

// The webhook-signature header: space-separated, one per secret.
export function signatureHeader(secrets: string[], id: string, timestamp: number, body: string): string {
  return secrets.map((secret) => sign(secret, id, timestamp, body)).join(' ');
}

export type SignatureFailure = 'signature_missing' | 'timestamp_stale' | 'signature_invalid';

export interface SignedRequest {
  id: string | undefined;
  timestamp: string | undefined;
  signatures: string | undefined;
  body: Buffer;
}

// Checks a request signed by a source system: all three headers, a timestamp within Tessera's tolerance
// (the package's own check has a fixed five minutes), and one `v1` signature equal, in constant time, to
// the one the secret makes over the raw body.
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
  const expected = Buffer.from(sign(secret, id, Number(timestamp), body));
  const matches = signatures.split(' ').some((entry) => {
    const given = Buffer.from(entry);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return matches ? null : 'signature_invalid';
}
