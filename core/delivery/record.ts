// Owns what a send's outcome does to its delivery, in a batch of outcomes per transaction: accepted by the
// provider → sent (with its attempt, its event, and any status report that came before it); a transient
// failure → the next attempt on the retry schedule, or the next channel once it is spent; a permanent one
// → the next channel (an opt-out is kept on the member); no channel left → failed.
import type { Config } from '../config.ts';
import { type Database, rowsOf, type Transaction } from '../db/database.ts';
import { INSERT_EVENTS } from '../events/outbox.ts';
import type { SendResult } from './channel.ts';
import type { NextSend } from './compose.ts';
import { DELIVERY_EVENT, failOnChannel } from './fallback.ts';
import type { ClaimedDelivery } from './queue.ts';
import { applyWaitingReports } from './reports.ts';

export interface SendOutcome {
  delivery: ClaimedDelivery;
  step: NextSend;
  result: SendResult | null;
  at: Date;
}

// Still the claim this outcome came from: a delivery whose lease lapsed and that another worker
// claimed and recorded since is left as that worker recorded it.
const STILL_MINE = `d.status = 'queued' AND d.attempts = x.prior AND cardinality(d.tried) = x.tried`;

async function recordSent(trx: Transaction, config: Config, outcomes: SendOutcome[]) {
  const input = outcomes.map(({ delivery, step, result, at }) => ({
    id: delivery.id,
    prior: delivery.attempts,
    tried: delivery.tried.length,
    channel: step.kind === 'send' ? step.channel : null,
    connection_id: step.kind === 'send' ? step.connectionId : null,
    address: step.kind === 'send' ? step.address : null,
    provider_id: result?.ok ? result.providerId : null,
    at: at.toISOString(),
  }));
  const result = await trx.raw(
    `WITH x AS (
       SELECT * FROM jsonb_to_recordset(CAST(? AS jsonb)) AS x(id uuid, prior integer, tried integer,
         channel text, connection_id uuid, address text, provider_id text, at timestamptz)
     ), d AS (
       UPDATE deliveries d SET status = 'sent', channel = x.channel, connection_id = x.connection_id,
              provider_id = x.provider_id, attempts = 0, sent_at = x.at, sending_until = NULL,
              next_attempt_at = NULL, failure_reason = NULL, failure_detail = NULL, updated_at = now()
         FROM x WHERE d.id = x.id AND ${STILL_MINE}
       RETURNING d.*
     ), a AS (
       INSERT INTO delivery_attempts (delivery_id, at, channel, connection_id, address, provider_id, outcome)
       SELECT x.id, x.at, x.channel, x.connection_id, x.address, x.provider_id, 'sent' FROM x JOIN d ON d.id = x.id
     ), e AS (
       ${INSERT_EVENTS} SELECT d.tenant_id, 'delivery.sent', CAST(d.id AS text), ${DELIVERY_EVENT} FROM d
     )
     SELECT d.id, d.connection_id, d.provider_id FROM d`,
    [JSON.stringify(input)],
  );
  const sent = rowsOf<{ id: string; connectionId: string; providerId: string }>(result);
  if (sent.length) await applyWaitingReports(trx, config, sent);
}

// No channel is left to try: the delivery has failed, for the last channel's reason.
async function recordExhausted(trx: Transaction, outcome: SendOutcome) {
  const { delivery } = outcome;
  await trx.raw(
    `WITH d AS (
       UPDATE deliveries d SET status = 'failed', failure_reason = coalesce(d.failure_reason, 'no_channel'),
              failure_detail = coalesce(d.failure_detail,
                'The member has no address on a channel the tenant has a provider for'),
              failed_at = now(), sending_until = NULL, next_attempt_at = NULL, updated_at = now()
         FROM (SELECT CAST(? AS integer) AS prior, CAST(? AS integer) AS tried) x
        WHERE d.id = ? AND ${STILL_MINE}
       RETURNING d.*)
     ${INSERT_EVENTS} SELECT d.tenant_id, 'delivery.failed', CAST(d.id AS text), ${DELIVERY_EVENT} FROM d`,
    [delivery.attempts, delivery.tried.length, delivery.id],
  );
}

async function recordFailure(trx: Transaction, config: Config, outcome: SendOutcome) {
  const { delivery, step, result, at } = outcome;
  if (step.kind === 'none') return recordExhausted(trx, outcome);
  const failure =
    step.kind === 'no_template'
      ? {
          transient: false,
          reason: 'no_template',
          detail: `No approved ${step.channel} template for ${delivery.kind} rewards`,
        }
      : result && !result.ok
        ? {
            transient: result.transient,
            reason: result.code,
            detail: result.reason,
            retryAfterMs: result.retryAfterMs,
          }
        : null;
  if (!failure) return;
  // Locks the row and checks it is still this claim's, as recordSent does.
  const mine = await trx('deliveries')
    .where({ id: delivery.id, status: 'queued', attempts: delivery.attempts })
    .whereRaw('cardinality(tried) = ?', [delivery.tried.length])
    .forUpdate()
    .first('id');
  if (!mine) return;
  await trx('deliveryAttempts').insert({
    deliveryId: delivery.id,
    at,
    channel: step.channel,
    connectionId: step.connectionId,
    address: step.address,
    outcome: failure.transient ? 'transient' : 'failed',
    reason: failure.reason,
    error: failure.detail,
  });
  await failOnChannel(
    trx,
    config,
    { id: delivery.id, attempts: delivery.attempts, memberId: delivery.memberId },
    { channel: step.channel, ...failure },
  );
}

// A batch of outcomes in one transaction: a burst of sends shares one commit.
export async function recordOutcomes(db: Database, config: Config, outcomes: SendOutcome[]): Promise<void> {
  await db.transaction(async (trx) => {
    const sent = outcomes.filter((o) => o.step.kind === 'send' && o.result?.ok);
    if (sent.length) await recordSent(trx, config, sent);
    for (const outcome of outcomes.filter((o) => !sent.includes(o)))
      await recordFailure(trx, config, outcome);
  });
}
