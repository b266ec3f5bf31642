// Owns the webhooks' background work, declared for processes with the `worker` role: the dispatcher of
// deliveries and the fan-out loop.
import type { Server } from '@hapi/hapi';
import { startDispatcher } from './dispatcher.ts';
import { fanOutOnce } from './fanout.ts';

function fanOutLoop(server: Server) {
  const { db, config, logger } = server.app;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const loop = async () => {
    try {
      while (!stopping && (await fanOutOnce(db)).more) {}
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
  const { db, jobs, config, logger } = server.app;
  jobs.service({
    name: 'webhook-dispatcher',
    role: 'worker',
    start: () => startDispatcher({ db, config }, logger),
  });
  jobs.service({ name: 'webhook-fanout', role: 'worker', start: async () => fanOutLoop(server) });
}
