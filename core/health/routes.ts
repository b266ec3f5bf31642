// Owns the health probes (liveness, and readiness: database answers, migrations current) and the index
// at `/` that points a newcomer to the docs.
import type { ServerRoute } from '@hapi/hapi';
import pkg from '../../package.json' with { type: 'json' };
import { pendingMigrations } from '../db/migrate.ts';

export const healthRoutes: ServerRoute[] = [
  {
    method: 'GET',
    path: '/',
    options: { auth: false, description: 'Where to start: the docs, the API document, the dashboard' },
    handler: () => ({
      name: 'Tessera',
      version: pkg.version,
      docs: '/docs',
      openapi: '/openapi.json',
      dashboard: '/dashboard',
      liveFeed: '/v1/live',
      health: { live: '/health/live', ready: '/health/ready' },
      authentication: 'Authorization: Bearer <API key>; the first start prints the first admin key',
    }),
  },
  {
    method: 'GET',
    path: '/health/live',
    options: { auth: false, description: 'The process is up', tags: ['operations'] },
    handler: () => ({ status: 'ok' }),
  },
  {
    method: 'GET',
    path: '/health/ready',
    options: {
      auth: false,
      description: 'The database answers and its schema is current',
      tags: ['operations'],
    },
    handler: async (request, h) => {
      const { db } = request.server.app;
      try {
        await db.raw('SELECT 1');
        const pending = await pendingMigrations(db);
        if (pending > 0) return h.response({ status: 'migrations_pending', pending }).code(503);
        return { status: 'ready' };
      } catch (error) {
        request.app.log.warn({ err: error }, 'readiness check failed');
        return h.response({ status: 'database_unavailable' }).code(503).header('Retry-After', '5');
      }
    },
  },
];
