// Owns the webhook worker of a process with the `worker` role: the fan-out loop and the delivery
// handlers, and their orderly stop.
import type { PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import type { Config } from '../core/config.ts';
import type { Database } from '../core/db/database.ts';
import { deliver } from './delivery.ts';
import { fanOutOnce } from './fanout.ts';
import { DELIVERY_QUEUE, type DeliveryJob } from './queue.ts';

export async function startWebhookWorker(boss: PgBoss, db: Database, config: Config, logger: Logger) {
  const deps = { db, boss, config };
  await boss.work<DeliveryJob>(
    DELIVERY_QUEUE,
    { localConcurrency: 8, groupConcurrency: config.webhookEndpointConcurrency, pollingIntervalSeconds: 0.5 },
    async (jobs) => {
      for (const job of jobs) await deliver(deps, job.data);
    },
  );
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const loop = async () => {
    try {
      while (!stopping && (await fanOutOnce(db, boss)).more) {}
    } catch (error) {
      logger.error({ err: error }, 'webhook fan-out failed');
    }
    if (!stopping) timer = setTimeout(() => (running = loop()), config.webhookFanoutIntervalMs);
  };
  running = loop();
  return {
    // Stops the fan-out and lets deliveries in flight finish.
    stop: async () => {
      stopping = true;
      clearTimeout(timer);
      await running;
      await boss.offWork(DELIVERY_QUEUE, { wait: true });
    },
  };
}
