// Registers the marketplace: members buying partners' codes with points.
import type { Plugin } from '@hapi/hapi';
import { marketplaceRoutes } from './routes.ts';

export const marketplace: Plugin<void> = {
  name: 'tessera-marketplace',
  register: (server) => server.route(marketplaceRoutes),
};
