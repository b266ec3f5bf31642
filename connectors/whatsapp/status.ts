// Owns WhatsApp's status webhooks: the GET handshake (hub.mode=subscribe with the configured
// hub.verify_token echoes hub.challenge as text), and POSTed notifications signed in X-Hub-Signature-256
// (sha256= and the hex HMAC-SHA256 of the raw body with the app secret) whose `statuses` become status
// reports for delivery. An unsigned or forged one is 401 and changes nothing.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FailureReason } from '../../core/delivery/channel.ts';
import type { StatusReport } from '../../core/delivery/reports.ts';
import type { InboundAnswer, InboundContext } from '../framework/connector.ts';

// What the webhook reads of a whatsapp connection.
type Context = InboundContext<{ verifyToken?: string }, { appSecret?: string }>;

export const TRANSIENT = new Set([130429, 131056, 80007]);
export const PERMANENT = new Map<number, FailureReason>([
  [131026, 'undeliverable'],
  [131047, 'outside_window'],
]);

interface StatusNotice {
  id?: string;
  status?: string;
  errors?: Array<{ code?: number; title?: string; message?: string }>;
}

interface Notification {
  entry?: Array<{ changes?: Array<{ value?: { statuses?: StatusNotice[] } }> }>;
}

const json = (status: number, code?: string, message?: string): InboundAnswer => ({
  status,
  contentType: 'application/json',
  body: code ? JSON.stringify({ error: { code, message } }) : '{}',
});

function handshake(ctx: Context): InboundAnswer {
  const { query } = ctx.request;
  const token = ctx.connection.config.verifyToken;
  if (query['hub.mode'] !== 'subscribe' || !token || query['hub.verify_token'] !== token)
    return json(403, 'verification_failed', 'hub.verify_token does not match this connection');
  return { status: 200, contentType: 'text/plain', body: String(query['hub.challenge'] ?? '') };
}

function verified(ctx: Context): boolean {
  const secret = ctx.connection.credentials?.appSecret;
  const given = ctx.request.headers['x-hub-signature-256'];
  if (!secret || typeof given !== 'string') return false;
  const expected = Buffer.from(
    `sha256=${createHmac('sha256', secret).update(ctx.request.body).digest('hex')}`,
  );
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function reportOf(connectionId: string, notice: StatusNotice): StatusReport | null {
  if (!notice.id || !notice.status) return null;
  const providerId = notice.id;
  if (notice.status === 'delivered' || notice.status === 'read')
    return { connectionId, providerId, status: 'delivered' };
  if (notice.status === 'sent') return { connectionId, providerId, status: 'sent' };
  if (notice.status !== 'failed') return null;
  const error = notice.errors?.[0];
  const code = error?.code ?? 0;
  return {
    connectionId,
    providerId,
    status: 'failed',
    transient: TRANSIENT.has(code),
    reason: TRANSIENT.has(code) ? 'throttled' : (PERMANENT.get(code) ?? 'undeliverable'),
    error: `WhatsApp ${code}: ${error?.message ?? error?.title ?? 'failed'}`.slice(0, 300),
  };
}

export async function receiveStatus(ctx: Context): Promise<InboundAnswer> {
  if (ctx.request.method === 'GET') return handshake(ctx);
  if (!verified(ctx)) return json(401, 'signature_invalid', 'X-Hub-Signature-256 does not match this body');
  let notification: Notification;
  try {
    notification = JSON.parse(ctx.request.body.toString('utf8'));
  } catch {
    return json(400, 'malformed_body', 'The body is not JSON');
  }
  const notices = (notification.entry ?? []).flatMap((entry) =>
    (entry.changes ?? []).flatMap((change) => change.value?.statuses ?? []),
  );
  const reports = notices.map((n) => reportOf(ctx.connection.id, n)).filter((r) => r !== null);
  if (reports.length) await ctx.reports(reports);
  return json(200);
}
