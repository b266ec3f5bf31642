// Owns one delivery attempt: sign, POST, record the attempt, then mark the message delivered, schedule
// the next attempt, or give up (dead letter). The message row stays locked during the attempt, so two
// workers never send the same attempt; a worker that dies mid-attempt rolls back and the job runs again.
import http from 'node:http';
import https from 'node:https';
import got from 'got';
import type { PgBoss } from 'pg-boss';
import type { Config } from '../core/config.ts';
import type { Database, Transaction } from '../core/db/database.ts';
import { recordEvent } from '../core/events/outbox.ts';
import { guardedLookup } from './address-guard.ts';
import { type DeliveryJob, enqueueDeliveries } from './queue.ts';
import { nextDelayMs, retryAfterMs } from './retry-schedule.ts';
import { signatureHeader } from './signing.ts';

const RESPONSE_KEPT = 1024;
const agents = {
  http: new http.Agent({ keepAlive: true }),
  https: new https.Agent({ keepAlive: true }),
};

export interface EndpointRow {
  id: string;
  tenantId: string;
  partnerId: string | null;
  url: string;
  enabled: boolean;
  secret: string;
  previousSecret: string | null;
  previousSecretUntil: Date | null;
  failingSince: Date | null;
}

interface MessageRow {
  id: string;
  endpointId: string;
  body: string;
  attempts: number;
}

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

async function post(config: Config, endpoint: EndpointRow, message: MessageRow): Promise<Outcome> {
  const timestamp = Math.floor(Date.now() / 1000);
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
      dnsLookup: guardedLookup({
        allowHttp: config.webhookAllowHttp,
        allowedAddresses: config.webhookAllowedAddresses,
      }) as never,
    });
    const retryAfter = response.headers['retry-after'];
    return {
      statusCode: response.statusCode,
      body: response.body.slice(0, RESPONSE_KEPT),
      error: null,
      retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
    };
  } catch (error) {
    return {
      statusCode: null,
      body: null,
      error: (error as Error).message.slice(0, 500),
      retryAfter: undefined,
    };
  }
}

async function disableEndpoint(trx: Transaction, endpoint: EndpointRow, reason: string) {
  await trx('webhook_endpoints')
    .where({ id: endpoint.id })
    .update({ enabled: false, disabledReason: reason, updatedAt: trx.fn.now() });
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
  if (!endpoint.failingSince)
    await trx('webhook_endpoints').where({ id: endpoint.id }).update({ failingSince });
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
    await trx('webhook_messages')
      .where({ id: message.id })
      .update({ status: 'failed', attempts, nextAttemptAt: null });
    return;
  }
  const nextAttemptAt = new Date(Date.now() + delay);
  await trx('webhook_messages').where({ id: message.id }).update({ attempts, nextAttemptAt });
  await enqueueDeliveries(deps.boss, trx, [
    { messageId: message.id, attempt: attempts + 1, endpointId: endpoint.id, startAfter: nextAttemptAt },
  ]);
}

export interface DeliveryDeps {
  db: Database;
  boss: PgBoss;
  config: Config;
}

export async function deliver(deps: DeliveryDeps, job: DeliveryJob): Promise<void> {
  await deps.db.transaction(async (trx) => {
    const message: MessageRow | undefined = await trx('webhook_messages')
      .where({ id: job.messageId, status: 'pending', attempts: job.attempt - 1 })
      .forUpdate()
      .skipLocked()
      .first();
    // Delivered, given up, already past this attempt, or being sent by another worker right now.
    if (!message) return;
    const endpoint: EndpointRow = await trx('webhook_endpoints').where({ id: message.endpointId }).first();
    if (!endpoint.enabled) {
      await trx('webhook_messages')
        .where({ id: message.id })
        .update({ status: 'failed', nextAttemptAt: null });
      return;
    }
    const startedAt = new Date();
    const outcome = await post(deps.config, endpoint, message);
    await trx('webhook_attempts').insert({
      messageId: message.id,
      attempt: message.attempts + 1,
      startedAt,
      statusCode: outcome.statusCode,
      durationMs: Date.now() - startedAt.getTime(),
      responseBody: outcome.body,
      error: outcome.error,
    });
    const ok = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
    if (!ok) return afterFailure(deps, trx, endpoint, message, outcome);
    await trx('webhook_messages')
      .where({ id: message.id })
      .update({
        status: 'delivered',
        attempts: message.attempts + 1,
        deliveredAt: trx.fn.now(),
        nextAttemptAt: null,
      });
    if (endpoint.failingSince)
      await trx('webhook_endpoints').where({ id: endpoint.id }).update({ failingSince: null });
  });
}
