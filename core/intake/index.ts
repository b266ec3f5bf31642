// Registers the intake of source events.
import type { Plugin } from '@hapi/hapi';
import { intakeRoutes } from './routes.ts';

export const intake: Plugin<void> = {
  name: 'tessera-intake',
  register: (server) => server.route(intakeRoutes),
};
