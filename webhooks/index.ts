// Registers the outbound webhook routes.
import type { Plugin } from '@hapi/hapi';
import { webhookRoutes } from './routes.ts';

export const webhooks: Plugin<void> = {
  name: 'tessera-webhooks',
  register: (server) => server.route(webhookRoutes),
};
