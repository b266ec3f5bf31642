// Owns the webhooks' background work, declared for processes with the `worker` role: the delivery queue
// and its slots, and the fan-out loop.
import type { Server } from '@hapi/hapi';
import { deliver } from './delivery.ts';
import { fanOutOnce } from './fanout.ts';
import { DELIVERY_QUEUE, DELIVERY_QUEUE_OPTIONS, type DeliveryJob } from './queue.ts';

function fanOutLoop(server: Server) {
  const { db, jobs, config, logger } = server.app;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const loop = async () => {
    try {
      while (!stopping && (await fanOutOnce(db, jobs)).more) {}
    } catch (error) {
      logger.error({ err: error }, 'webhook fan-out failed');
    }
    if (!stopping) timer = setTimeout(() => (running = loop()), config.webhookFanoutIntervalMs);
  };
  running = loop();
  return async () => {
    stopping = true;
    clearTimeout(timer);
    await running;
  };
}

export function declareWebhookJobs(server: Server) {
  const { db, jobs, config } = server.app;
  jobs.queue(DELIVERY_QUEUE, DELIVERY_QUEUE_OPTIONS);
  jobs.worker<DeliveryJob>({
    queue: DELIVERY_QUEUE,
    handle: (job) => deliver({ db, jobs, config }, job),
    options: {
      localConcurrency: config.webhookWorkerConcurrency,
      // Counted exactly within this process (pg-boss's database-wide count races between concurrent
      // fetches and can overshoot), so each worker process keeps its own slots safe.
      localGroupConcurrency: Math.min(config.webhookEndpointConcurrency, config.webhookWorkerConcurrency),
      // The poll finds retries coming due; new deliveries arrive by NOTIFY.
      pollingIntervalSeconds: 0.5,
      notifyPollingIntervalSeconds: 0.5,
    },
  });
  jobs.service({ name: 'webhook-fanout', role: 'worker', start: async () => fanOutLoop(server) });
}
