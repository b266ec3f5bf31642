// Owns a worker process's webhook deliveries as a send queue (core/jobs/dispatcher.ts): due messages are
// claimed while there are free send slots (TESSERA_WEBHOOK_WORKER_CONCURRENCY, at most
// TESSERA_WEBHOOK_ENDPOINT_CONCURRENCY for one endpoint, so a slow receiver holds only its own share), and
// attempts are recorded in batches.
import type { Logger } from 'pino';
import { batchRecorder, type SendQueue, startDispatcher } from '../core/jobs/dispatcher.ts';
import { type DeliveryDeps, deliver, leaseSeconds, recordSent, type SentAttempt } from './delivery.ts';
import { type ClaimedMessage, claimDue, WAKE_CHANNEL } from './queue.ts';

export const attemptRecorder = (deps: DeliveryDeps) =>
  batchRecorder((batch: SentAttempt[]) => recordSent(deps, batch));

export function webhookQueue(deps: DeliveryDeps): SendQueue<ClaimedMessage, SentAttempt> {
  const { db, config } = deps;
  return {
    name: 'webhooks',
    wakeChannel: WAKE_CHANNEL,
    concurrency: config.webhookWorkerConcurrency,
    claim: (free, busy) =>
      claimDue(db, {
        free,
        busy,
        perEndpoint: Math.min(config.webhookEndpointConcurrency, config.webhookWorkerConcurrency),
        leaseSeconds: leaseSeconds(config),
      }),
    keyOf: (claimed) => claimed.endpoint.id,
    send: (claimed) => deliver(deps, claimed),
    record: (batch) => recordSent(deps, batch),
  };
}

export const startWebhookDispatcher = (deps: DeliveryDeps, log: Logger) =>
  startDispatcher(deps.db, webhookQueue(deps), log);
