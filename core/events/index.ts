// Registers the events module.
import type { Plugin } from '@hapi/hapi';
import { eventRoutes } from './routes.ts';

export const events: Plugin<void> = {
  name: 'tessera-events',
  register: (server) => server.route(eventRoutes),
};
