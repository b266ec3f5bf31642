// Registers the audit module.
import type { Plugin } from '@hapi/hapi';
import { auditRoutes } from './routes.ts';

export const audit: Plugin<void> = {
  name: 'tessera-audit',
  register: (server) => server.route(auditRoutes),
};
