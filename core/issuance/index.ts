// Registers the issuance routes.
import type { Plugin } from '@hapi/hapi';
import { issuanceRoutes } from './routes.ts';

export const issuance: Plugin<void> = {
  name: 'tessera-issuance',
  register: (server) => server.route(issuanceRoutes),
};
