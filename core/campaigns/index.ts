// Registers the campaign engine's routes.
import type { Plugin } from '@hapi/hapi';
import { campaignRoutes } from './routes.ts';

export const campaigns: Plugin<void> = {
  name: 'tessera-campaigns',
  register: (server) => server.route(campaignRoutes),
};
