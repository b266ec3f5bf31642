// Registers redemptions: recording and reading them, and partners' UAT runs of the redemption flow.
import type { Plugin } from '@hapi/hapi';
import { redemptionRoutes } from './routes.ts';

export const redemptions: Plugin<void> = {
  name: 'tessera-redemptions',
  register: (server) => server.route(redemptionRoutes),
};
