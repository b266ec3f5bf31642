// Owns the delivery queue: one job per delivery attempt, enqueued in the same transaction as what causes
// it, grouped by endpoint so that one slow receiver holds at most its own share of the workers.
import type { Transaction } from '../core/db/database.ts';
import type { Jobs } from '../core/jobs/jobs.ts';
import type { QueueOptions } from '../core/jobs/queue.ts';

export const DELIVERY_QUEUE = 'webhook-delivery';

// A job whose worker died is retried when its heartbeat stops; delivery outcomes are Tessera's own.
export const DELIVERY_QUEUE_OPTIONS: QueueOptions = {
  retryLimit: 1000,
  retryDelay: 1,
  heartbeatSeconds: 10,
  notify: true,
};

export interface DeliveryJob {
  messageId: string;
  attempt: number;
}

export interface NewDelivery extends DeliveryJob {
  endpointId: string;
  startAfter?: Date;
}

export async function enqueueDeliveries(jobs: Jobs, trx: Transaction, deliveries: NewDelivery[]) {
  await jobs.enqueue<DeliveryJob>(
    trx,
    DELIVERY_QUEUE,
    deliveries.map((d) => ({
      data: { messageId: d.messageId, attempt: d.attempt },
      group: d.endpointId,
      startAfter: d.startAfter,
    })),
  );
}
