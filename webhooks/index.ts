// Registers the webhooks: outbound endpoints and their messages, inbound sources and receiving, and the
// delivery work.
import type { Plugin } from '@hapi/hapi';
import { inboundRoutes } from './inbound/routes.ts';
import { webhookRoutes } from './routes.ts';
import { declareWebhookJobs } from './worker.ts';

export const webhooks: Plugin<void> = {
  name: 'tessera-webhooks',
  register: (server) => {
    server.route(webhookRoutes);
    server.route(inboundRoutes(server.app.config.inboundMaxBytes));
    declareWebhookJobs(server);
  },
};
