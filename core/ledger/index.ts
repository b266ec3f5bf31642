// Registers the ledger module.
import type { Plugin } from '@hapi/hapi';
import { ledgerRoutes } from './routes.ts';

export const ledger: Plugin<void> = {
  name: 'tessera-ledger',
  register: (server) => server.route(ledgerRoutes(server.app.config)),
};
