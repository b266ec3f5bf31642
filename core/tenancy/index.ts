// Registers the tenancy module: API keys and the tenant's settings.
import type { Plugin } from '@hapi/hapi';
import { apiKeyRoutes } from './routes.ts';
import { settingsRoutes } from './settings-routes.ts';

export const tenancy: Plugin<void> = {
  name: 'tessera-tenancy',
  register: (server) => server.route([...apiKeyRoutes, ...settingsRoutes]),
};
