// Owns the job queue (pg-boss on Tessera's database): its start, its errors in the log, and enqueueing on
// the caller's transaction so that a job commits with the rows that caused it.
import { PgBoss, type Queue } from 'pg-boss';
import type { Logger } from 'pino';
import type { Transaction } from '../db/database.ts';

export type QueueOptions = Omit<Queue, 'name'>;

export interface NewJob<T extends object> {
  data: T;
  // With a `stately` queue, one queued and one active job per key (one run per connection).
  singletonKey?: string;
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
export async function startQueue(options: {
  url: string;
  worker: boolean;
  recoverySeconds: number;
  logger: Logger;
}): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: options.url,
    max: 4,
    application_name: 'tessera-queue',
    supervise: options.worker,
    superviseIntervalSeconds: options.recoverySeconds,
    monitorIntervalSeconds: options.recoverySeconds,
    schedule: false,
    // Workers wake the moment a job is enqueued instead of at their next poll.
    useListenNotify: options.worker,
  });
  // pg-boss retries its own statements; what failed is still worth a line (a database outage shows here).
  boss.on('error', (error) => options.logger.error({ err: error }, 'job queue error'));
  await boss.start();
  return boss;
}

export async function enqueueOn<T extends object>(
  boss: PgBoss,
  trx: Transaction,
  queue: string,
  jobs: Array<NewJob<T>>,
): Promise<void> {
  if (jobs.length === 0) return;
  await boss.insert(
    queue,
    jobs.map((job) => ({
      data: job.data,
      singletonKey: job.singletonKey,
    })),
    { db: onTransaction(trx) },
  );
}
