// Registers the health module.
import type { Plugin } from '@hapi/hapi';
import { healthRoutes } from './routes.ts';

export const health: Plugin<void> = {
  name: 'tessera-health',
  register: (server) => server.route(healthRoutes),
};
