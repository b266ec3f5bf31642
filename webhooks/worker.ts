// Owns the webhooks' background work, declared for processes with the `worker` role: the dispatcher of
// deliveries and the fan-out loop.
import type { Server } from '@hapi/hapi';
import { fanOutLoop } from '../core/jobs/fanout.ts';
import { startWebhookDispatcher } from './dispatcher.ts';
import { fanOutOnce } from './fanout.ts';

export function declareWebhookJobs(server: Server) {
  const { db, jobs, config, logger } = server.app;
  jobs.service({
    name: 'webhook-dispatcher',
    role: 'worker',
    start: () => startWebhookDispatcher({ db, config }, logger),
  });
  jobs.service({
    name: 'webhook-fanout',
    role: 'worker',
    start: async () => fanOutLoop('webhooks', () => fanOutOnce(db), config.webhookFanoutIntervalMs, logger),
  });
}
