// Owns the delivery job queue (pg-boss on Tessera's database): one job per delivery attempt, enqueued in
// the same transaction as what causes it, grouped by endpoint so that one slow receiver holds at most
// its own share of the workers.
import { PgBoss } from 'pg-boss';
import type { Transaction } from '../core/db/database.ts';

export const DELIVERY_QUEUE = 'webhook-delivery';

export interface DeliveryJob {
  messageId: string;
  attempt: number;
}

export interface NewDelivery extends DeliveryJob {
  endpointId: string;
  startAfter?: Date;
}

// pg-boss statements run on the transaction's own connection, so the job commits with the caller's rows.
function onTransaction(trx: Transaction) {
  return {
    executeSql: async (text: string, values?: unknown[]) => {
      const connection = (await trx.client.acquireConnection()) as {
        query: (text: string, values?: unknown[]) => Promise<{ rows: unknown[] }>;
      };
      return connection.query(text, values);
    },
  };
}

// Every process enqueues; only worker processes also supervise the queue. Supervision finds the jobs of
// a worker that died (its heartbeat stopped) and hands them to a live one, every `recoverySeconds`.
export async function startQueue(url: string, worker: boolean, recoverySeconds: number): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: url,
    max: 4,
    application_name: 'tessera-queue',
    supervise: worker,
    superviseIntervalSeconds: recoverySeconds,
    monitorIntervalSeconds: recoverySeconds,
    schedule: false,
    // Workers wake the moment a delivery is enqueued instead of at their next poll.
    useListenNotify: worker,
  });
  boss.on('error', () => {
    // Reported through the job outcomes and logs of the caller; pg-boss retries on its own.
  });
  await boss.start();
  // A job whose worker died is retried when its heartbeat stops; delivery outcomes are Tessera's own.
  await boss.createQueue(DELIVERY_QUEUE, {
    retryLimit: 1000,
    retryDelay: 1,
    heartbeatSeconds: 10,
    notify: true,
  });
  return boss;
}

export async function enqueueDeliveries(boss: PgBoss, trx: Transaction, deliveries: NewDelivery[]) {
  if (deliveries.length === 0) return;
  await boss.insert(
    DELIVERY_QUEUE,
    deliveries.map((d) => ({
      data: { messageId: d.messageId, attempt: d.attempt },
      group: { id: d.endpointId },
      startAfter: d.startAfter,
    })),
    { db: onTransaction(trx) },
  );
}
