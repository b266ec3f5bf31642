// Owns one delivery attempt: take the message's send lease, sign, POST, record the attempt, then mark the
// message delivered, schedule the next attempt, or give up (dead letter). The lease means two workers
// never send the same attempt; when a worker dies mid-attempt its lease lapses and the job runs again.
import http from 'node:http';
import https from 'node:https';
import got from 'got';
import type { Config } from '../core/config.ts';
import { type Database, rowsOf, type Transaction } from '../core/db/database.ts';
import { recordEvent } from '../core/events/outbox.ts';
import type { Jobs } from '../core/jobs/jobs.ts';
import { addressPolicy, deliveryGuard, isPublicAddress } from './address-guard.ts';
import { type EndpointRow, WebhookEndpoint, WebhookMessage } from './model.ts';
import { type DeliveryJob, enqueueDeliveries } from './queue.ts';
import { nextDelayMs, retryAfterMs } from './retry-schedule.ts';
import { signatureHeader } from './signing.ts';

const RESPONSE_KEPT = 1024;
// How long a send lease outlasts the request timeout: time to record the outcome.
const LEASE_MARGIN_MS = 10_000;
const agents = {
  http: new http.Agent({ keepAlive: true }),
  https: new https.Agent({ keepAlive: true }),
};

// What the claim reads of a message. The claim and the attempt's record are raw SQL: each is one
// statement on the hot path of every delivery.
type MessageRow = Pick<WebhookMessage, 'id' | 'endpointId' | 'body' | 'attempts'>;

interface Outcome {
  statusCode: number | null;
  body: string | null;
  error: string | null;
  retryAfter: string | undefined;
}

function signingSecrets(endpoint: EndpointRow, now = new Date()): string[] {
  const previous =
    endpoint.previousSecret && endpoint.previousSecretUntil && endpoint.previousSecretUntil > now
      ? [endpoint.previousSecret]
      : [];
  return [endpoint.secret, ...previous];
}

const failedOutcome = (error: string): Outcome => ({
  statusCode: null,
  body: null,
  error,
  retryAfter: undefined,
});

async function post(config: Config, endpoint: EndpointRow, message: MessageRow): Promise<Outcome> {
  const timestamp = Math.floor(Date.now() / 1000);
  // The operator's allow-list serves admin-owned endpoints only.
  const guard = deliveryGuard(endpoint.url, addressPolicy(config), endpoint.partnerId === null);
  if (guard.refused) return failedOutcome('The URL is an internal address');
  try {
    const response = await got.post(endpoint.url, {
      body: message.body,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Tessera-Webhooks/1',
        'webhook-id': message.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signatureHeader(signingSecrets(endpoint), message.id, timestamp, message.body),
      },
      timeout: { request: config.webhookTimeoutMs },
      followRedirect: false,
      throwHttpErrors: false,
      retry: { limit: 0 },
      agent: agents,
      dnsLookup: guard.lookup as never,
    });
    const retryAfter = response.headers['retry-after'];
    return {
      statusCode: response.statusCode,
      // An allow-listed internal receiver's page is not shown to API callers: only its status.
      body: isPublicAddress(response.ip) ? response.body.slice(0, RESPONSE_KEPT) : null,
      error: null,
      retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
    };
  } catch (error) {
    return failedOutcome((error as Error).message.slice(0, 500));
  }
}

async function disableEndpoint(trx: Transaction, endpoint: EndpointRow, reason: string) {
  await WebhookEndpoint.query(trx)
    .findById(endpoint.id)
    .patch({ enabled: false, disabledReason: reason, updatedAt: trx.fn.now() as unknown as Date });
  await recordEvent(trx, {
    tenantId: endpoint.tenantId,
    type: 'webhook_endpoint.disabled',
    subject: endpoint.id,
    data: { endpointId: endpoint.id, partnerId: endpoint.partnerId, reason },
  });
}

// After a failed attempt: the next one, or the dead letter; a long-failing or gone endpoint is disabled.
async function afterFailure(
  deps: DeliveryDeps,
  trx: Transaction,
  endpoint: EndpointRow,
  message: MessageRow,
  outcome: Outcome,
) {
  const attempts = message.attempts + 1;
  const failingSince = endpoint.failingSince ?? new Date();
  if (!endpoint.failingSince) await WebhookEndpoint.query(trx).findById(endpoint.id).patch({ failingSince });
  const gone = outcome.statusCode === 410;
  const failingTooLong =
    Date.now() - failingSince.getTime() > deps.config.webhookDisableAfterHours * 3_600_000;
  if (gone || failingTooLong)
    await disableEndpoint(trx, endpoint, gone ? 'the receiver answered 410 Gone' : 'failing for too long');
  const throttled = outcome.statusCode === 429 || outcome.statusCode === 503;
  const delay =
    gone || failingTooLong
      ? null
      : nextDelayMs(
          deps.config.webhookRetrySchedule,
          attempts,
          throttled ? retryAfterMs(outcome.retryAfter) : null,
        );
  if (delay === null) {
    await WebhookMessage.query(trx)
      .findById(message.id)
      .patch({ status: 'failed', attempts, nextAttemptAt: null });
    return;
  }
  const nextAttemptAt = new Date(Date.now() + delay);
  await WebhookMessage.query(trx).findById(message.id).patch({ attempts, nextAttemptAt });
  await enqueueDeliveries(deps.jobs, trx, [
    { messageId: message.id, attempt: attempts + 1, endpointId: endpoint.id, startAfter: nextAttemptAt },
  ]);
}

export interface DeliveryDeps {
  db: Database;
  jobs: Jobs;
  config: Config;
}

// Raised when another worker holds the message's send lease: the job runs again after pg-boss's retry
// delay, and by then the attempt has been recorded (a no-op) or the holder died and the lease lapsed.
export class SendLeaseHeld extends Error {}

// Takes the send lease of this attempt, with the endpoint; none when the message was delivered, given up
// or is already past this attempt. The lease outlasts the request timeout, so it lapses only when its
// holder died, and then the next worker sends the attempt.
async function claim(deps: DeliveryDeps, job: DeliveryJob) {
  const leaseMs = deps.config.webhookTimeoutMs + LEASE_MARGIN_MS;
  const result = await deps.db.raw(
    `UPDATE webhook_messages m SET sending_until = now() + make_interval(secs => ?)
       FROM webhook_endpoints e
      WHERE m.id = ? AND m.status = 'pending' AND m.attempts = ? AND e.id = m.endpoint_id
        AND (m.sending_until IS NULL OR m.sending_until <= now())
     RETURNING m.id AS message_id, m.body, m.attempts, e.*`,
    [leaseMs / 1000, job.messageId, job.attempt - 1],
  );
  const row = rowsOf<EndpointRow & { messageId: string; body: string; attempts: number }>(result)[0];
  if (row) {
    const { messageId, body, attempts, ...endpoint } = row;
    return { endpoint, message: { id: messageId, endpointId: endpoint.id, body, attempts } };
  }
  const leased = await WebhookMessage.query(deps.db)
    .findOne({ id: job.messageId, status: 'pending', attempts: job.attempt - 1 })
    .where('sendingUntil', '>', deps.db.fn.now())
    .select('id');
  if (leased) throw new SendLeaseHeld(`message ${job.messageId} is being sent by another worker`);
  return undefined;
}

// The attempt's row and, when it succeeded, the message marked delivered; the lease is given back.
async function recordAttempt(
  trx: Transaction,
  message: MessageRow,
  startedAt: Date,
  outcome: Outcome,
  delivered: boolean,
): Promise<boolean> {
  const result = await trx.raw(
    `WITH attempt AS (
       INSERT INTO webhook_attempts (message_id, attempt, started_at, status_code, duration_ms, response_body, error)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id, attempt) DO NOTHING RETURNING id)
     UPDATE webhook_messages SET sending_until = NULL,
            status = CASE WHEN ? THEN 'delivered' ELSE status END,
            attempts = CASE WHEN ? THEN attempts + 1 ELSE attempts END,
            delivered_at = CASE WHEN ? THEN now() END,
            next_attempt_at = NULL
      WHERE id = ? AND status = 'pending' AND attempts = ? AND EXISTS (SELECT 1 FROM attempt)
     RETURNING id`,
    [
      message.id,
      message.attempts + 1,
      startedAt,
      outcome.statusCode,
      Date.now() - startedAt.getTime(),
      outcome.body,
      outcome.error,
      delivered,
      delivered,
      delivered,
      message.id,
      message.attempts,
    ],
  );
  // False only when this worker stalled past its lease and another one recorded the attempt.
  return result.rows.length === 1;
}

export async function deliver(deps: DeliveryDeps, job: DeliveryJob): Promise<void> {
  const claimed = await claim(deps, job);
  if (!claimed) return;
  const { endpoint, message } = claimed;
  if (!endpoint.enabled) {
    await WebhookMessage.query(deps.db)
      .findById(message.id)
      .patch({ status: 'failed', nextAttemptAt: null, sendingUntil: null });
    return;
  }
  const startedAt = new Date();
  const outcome = await post(deps.config, endpoint, message);
  const ok = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
  await deps.db.transaction(async (trx) => {
    if (!(await recordAttempt(trx, message, startedAt, outcome, ok))) return;
    if (!ok) return afterFailure(deps, trx, endpoint, message, outcome);
    if (endpoint.failingSince)
      await WebhookEndpoint.query(trx).findById(endpoint.id).patch({ failingSince: null });
  });
}
