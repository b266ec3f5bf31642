// Registers the tenancy module.
import type { Plugin } from '@hapi/hapi';
import { apiKeyRoutes } from './routes.ts';

export const tenancy: Plugin<void> = {
  name: 'tessera-tenancy',
  register: (server) => server.route(apiKeyRoutes),
};
