// Registers the members module.
import type { Plugin } from '@hapi/hapi';
import { memberRoutes } from './routes.ts';

export const members: Plugin<void> = {
  name: 'tessera-members',
  register: (server) => server.route(memberRoutes),
};
