// Registers delivery: message templates, reward deliveries and their resends, and the background work
// that creates and sends them.
import type { Plugin } from '@hapi/hapi';
import { deliveryRoutes } from './routes.ts';
import { templateRoutes } from './template-routes.ts';
import { declareDeliveryJobs } from './worker.ts';

export const delivery: Plugin<void> = {
  name: 'tessera-delivery',
  register: (server) => {
    server.route([...templateRoutes, ...deliveryRoutes]);
    declareDeliveryJobs(server);
  },
};
