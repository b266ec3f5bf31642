// Registers delivery: for now its message templates.
import type { Plugin } from '@hapi/hapi';
import { templateRoutes } from './routes.ts';

export const delivery: Plugin<void> = {
  name: 'tessera-delivery',
  register: (server) => server.route(templateRoutes),
};
