// Owns one delivery attempt of a claimed message (queue.ts took its send lease): sign, POST, record the
// attempt, then mark the message delivered, make its next attempt due, or give up (dead letter). The
// lease means two workers never send the same attempt; when a worker dies mid-attempt its lease lapses
// and the message is claimed again.
import http from 'node:http';
import https from 'node:https';
import got from 'got';
import type { Config } from '../core/config.ts';
import type { Database, Transaction } from '../core/db/database.ts';
import { recordEvent } from '../core/events/outbox.ts';
import { nextDelayMs, retryAfterMs } from '../core/jobs/retry-schedule.ts';
import { addressPolicy, deliveryGuard, isPublicAddress } from './address-guard.ts';
import { type EndpointRow, WebhookEndpoint, WebhookMessage } from './model.ts';
import type { ClaimedMessage } from './queue.ts';
import { signatureHeader } from './signing.ts';

const RESPONSE_KEPT = 1024;
// How long a send lease outlasts the request timeout: time to record the outcome.
const LEASE_MARGIN_MS = 10_000;

export const leaseSeconds = (config: Config) => (config.webhookTimeoutMs + LEASE_MARGIN_MS) / 1000;
const agents = {
  http: new http.Agent({ keepAlive: true }),
  https: new https.Agent({ keepAlive: true }),
};

// What the claim reads of a message. The attempt's record is raw SQL: one statement on the hot path of
// every delivery.
type MessageRow = ClaimedMessage['message'];

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
  // Due again then: the dispatchers' poll finds it.
  const nextAttemptAt = new Date(Date.now() + delay);
  await WebhookMessage.query(trx).findById(message.id).patch({ attempts, nextAttemptAt });
}

export interface DeliveryDeps {
  db: Database;
  config: Config;
}

export interface SentAttempt {
  endpoint: EndpointRow;
  message: MessageRow;
  startedAt: Date;
  // Measured when the answer came, not when the attempt is recorded (records wait for their batch).
  durationMs: number;
  outcome: Outcome;
  ok: boolean;
}

// Each attempt's row and, for those that succeeded, the message marked delivered, in one statement for
// the whole batch; the leases are given back. Answers the messages whose attempt this worker recorded:
// one missing stalled past its lease, and another worker recorded that attempt.
async function recordAttempts(trx: Transaction, sent: SentAttempt[]): Promise<Set<string>> {
  const input = sent.map(({ message, startedAt, durationMs, outcome, ok }) => ({
    message_id: message.id,
    attempt: message.attempts + 1,
    prior: message.attempts,
    started_at: startedAt.toISOString(),
    status_code: outcome.statusCode,
    duration_ms: durationMs,
    response_body: outcome.body,
    error: outcome.error,
    delivered: ok,
  }));
  const result = await trx.raw(
    `WITH input AS (
       SELECT * FROM jsonb_to_recordset(CAST(? AS jsonb)) AS x(message_id uuid, attempt integer, prior integer,
         started_at timestamptz, status_code integer, duration_ms integer, response_body text, error text,
         delivered boolean)
     ), attempt AS (
       INSERT INTO webhook_attempts (message_id, attempt, started_at, status_code, duration_ms, response_body, error)
       SELECT message_id, attempt, started_at, status_code, duration_ms, response_body, error FROM input
       ON CONFLICT (message_id, attempt) DO NOTHING RETURNING message_id)
     UPDATE webhook_messages m SET sending_until = NULL,
            status = CASE WHEN i.delivered THEN 'delivered' ELSE m.status END,
            attempts = CASE WHEN i.delivered THEN m.attempts + 1 ELSE m.attempts END,
            delivered_at = CASE WHEN i.delivered THEN now() END,
            next_attempt_at = NULL
       FROM input i JOIN attempt a ON a.message_id = i.message_id
      WHERE m.id = i.message_id AND m.status = 'pending' AND m.attempts = i.prior
     RETURNING m.id`,
    [JSON.stringify(input)],
  );
  return new Set((result.rows as Array<{ id: string }>).map((row) => row.id));
}

// A batch of sent attempts, recorded in one transaction: a burst of deliveries shares one commit.
export async function recordSent(deps: DeliveryDeps, sent: SentAttempt[]): Promise<void> {
  await deps.db.transaction(async (trx) => {
    const recorded = await recordAttempts(trx, sent);
    const mine = sent.filter((attempt) => recorded.has(attempt.message.id));
    for (const attempt of mine.filter((a) => !a.ok))
      await afterFailure(deps, trx, attempt.endpoint, attempt.message, attempt.outcome);
    const recovered = [
      ...new Set(mine.filter((a) => a.ok && a.endpoint.failingSince).map((a) => a.endpoint.id)),
    ];
    if (recovered.length)
      await WebhookEndpoint.query(trx).whereIn('id', recovered).patch({ failingSince: null });
  });
}

// Sends one claimed message and answers the attempt, for the caller to record (batched with others);
// nothing when the endpoint was disabled meanwhile and the message is given up at once.
export async function deliver(deps: DeliveryDeps, claimed: ClaimedMessage): Promise<SentAttempt | null> {
  const { endpoint, message } = claimed;
  if (!endpoint.enabled) {
    await WebhookMessage.query(deps.db)
      .findById(message.id)
      .patch({ status: 'failed', nextAttemptAt: null, sendingUntil: null });
    return null;
  }
  const startedAt = new Date();
  const outcome = await post(deps.config, endpoint, message);
  const durationMs = Date.now() - startedAt.getTime();
  const ok = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
  return { endpoint, message, startedAt, durationMs, outcome, ok };
}
