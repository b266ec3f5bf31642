// Owns Twilio's status callbacks: a form POST to the connection's URL, signed in X-Twilio-Signature
// (HMAC-SHA1 with the auth token over the URL Twilio called followed by each parameter's name and value,
// sorted by name). A valid one becomes a status report for delivery; an unsigned or forged one is 401
// and changes nothing.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FailureReason } from '../../core/delivery/channel.ts';
import type { StatusReport } from '../../core/delivery/reports.ts';
import type { InboundAnswer, InboundContext } from '../framework/connector.ts';

// What the callback reads of a twilio connection.
type Context = InboundContext<{ statusCallbackUrl?: string }, { authToken: string }>;

// Failures the carrier may get past on another try.
const TRANSIENT = new Set(['30001', '30003', '30008']);
const PERMANENT: Record<string, FailureReason> = {
  '30005': 'invalid_address',
  '30006': 'not_mobile',
  '30007': 'rejected',
  '21610': 'opted_out',
  '21211': 'invalid_address',
  '21614': 'not_mobile',
};

const answer = (status: number, code?: string, message?: string): InboundAnswer => ({
  status,
  contentType: 'application/json',
  body: code ? JSON.stringify({ error: { code, message } }) : '{}',
});

export function twilioSignature(authToken: string, url: string, params: URLSearchParams): string {
  const names = [...new Set(params.keys())].sort();
  const signed = url + names.map((name) => name + params.getAll(name).join('')).join('');
  return createHmac('sha1', authToken).update(signed).digest('base64');
}

function verified(ctx: Context, params: URLSearchParams): boolean {
  const url = ctx.connection.config.statusCallbackUrl ?? ctx.request.url;
  const given = ctx.request.headers['x-twilio-signature'];
  const token = ctx.connection.credentials?.authToken;
  if (!url || typeof given !== 'string' || !token) return false;
  const expected = Buffer.from(twilioSignature(token, url, params));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function reportOf(connectionId: string, params: URLSearchParams): StatusReport | null {
  const providerId = params.get('MessageSid') ?? params.get('SmsSid');
  const status = params.get('MessageStatus') ?? params.get('SmsStatus');
  if (!providerId || !status) return null;
  if (status === 'delivered' || status === 'read') return { connectionId, providerId, status: 'delivered' };
  if (status === 'sent') return { connectionId, providerId, status: 'sent' };
  if (status !== 'undelivered' && status !== 'failed') return null;
  const code = params.get('ErrorCode') ?? '';
  return {
    connectionId,
    providerId,
    status: 'failed',
    transient: TRANSIENT.has(code),
    reason: TRANSIENT.has(code) ? 'undeliverable' : (PERMANENT[code] ?? 'undeliverable'),
    error: `Twilio ${status}${code ? ` ${code}` : ''}`,
  };
}

export async function receiveStatus(ctx: Context): Promise<InboundAnswer> {
  if (ctx.request.method !== 'POST') return answer(405, 'method_not_allowed', 'Twilio posts its callbacks');
  const params = new URLSearchParams(ctx.request.body.toString('utf8'));
  if (!verified(ctx, params))
    return answer(401, 'signature_invalid', 'X-Twilio-Signature does not match this request');
  const report = reportOf(ctx.connection.id, params);
  if (report) await ctx.reports([report]);
  return answer(200);
}
