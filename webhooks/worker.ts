// Owns the webhook worker of a process with the `worker` role: the fan-out loop and the delivery
// handlers, and their orderly stop.
import type { PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import type { Config } from '../core/config.ts';
import type { Database } from '../core/db/database.ts';
import { type DeliveryDeps, deliver } from './delivery.ts';
import { fanOutOnce } from './fanout.ts';
import { DELIVERY_QUEUE, type DeliveryJob } from './queue.ts';

// Delivery slots take one job at a time, so that a slow receiver holds only the slots of its own
// deliveries (at most the per-endpoint limit) and never a batch of others'. A finished delivery wakes
// the slots at once: a backlog drains without the poll delay between jobs.
async function startDeliverySlots(boss: PgBoss, deps: DeliveryDeps, config: Config) {
  let slots: string[] = [];
  const workId = await boss.work<DeliveryJob>(
    DELIVERY_QUEUE,
    {
      localConcurrency: config.webhookWorkerConcurrency,
      // Counted exactly within this process (pg-boss's database-wide count races between concurrent
      // fetches and can overshoot), so each worker process keeps its own slots safe.
      localGroupConcurrency: Math.min(config.webhookEndpointConcurrency, config.webhookWorkerConcurrency),
      // The poll finds retries coming due; new deliveries arrive by NOTIFY.
      pollingIntervalSeconds: 0.5,
      notifyPollingIntervalSeconds: 0.5,
    },
    async ([job]) => {
      await deliver(deps, job.data);
      for (const slot of slots) boss.notifyWorker(slot);
    },
  );
  slots = boss
    .getWipData()
    .filter((worker) => worker.workId === workId)
    .map((worker) => worker.id);
}

export async function startWebhookWorker(boss: PgBoss, db: Database, config: Config, logger: Logger) {
  await startDeliverySlots(boss, { db, boss, config }, config);
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
