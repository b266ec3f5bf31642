// Registers the reward catalog: partners, offers and voucher codes.
import type { Plugin } from '@hapi/hapi';
import { catalogRoutes } from './routes.ts';

export const catalog: Plugin<void> = {
  name: 'tessera-catalog',
  register: (server) => server.route(catalogRoutes),
};
