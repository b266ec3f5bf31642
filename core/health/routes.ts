// Owns the health probes: liveness, and readiness (database answers, migrations current).
import type { ServerRoute } from '@hapi/hapi';
import { pendingMigrations } from '../db/migrate.ts';

export const healthRoutes: ServerRoute[] = [
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
