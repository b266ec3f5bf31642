// Owns GET /v1/events: the tenant's committed domain events, paged by a commit-safe cursor.
import type { ServerRoute } from '@hapi/hapi';
import Joi from 'joi';
import { queryOf, scopeOf } from '../http/context.ts';
import { answers } from '../http/openapi.ts';
import { readEvents } from './outbox.ts';
import { eventPage } from './schema.ts';
import { eventTypePattern } from './types.ts';

export const eventRoutes: ServerRoute[] = [
  {
    method: 'GET',
    path: '/v1/events',
    options: {
      ...answers('listEvents', { 200: eventPage }),
      description: 'Committed domain events in commit order',
      notes:
        'Page with `after=<cursor>`; each event carries its cursor. `nextCursor` is set when the page is full. ' +
        'A reader that resumes from the last cursor it saw never misses an event, even one committed late.',
      tags: ['api', 'events'],
      auth: { access: { scope: ['admin', 'integration', 'viewer'] } },
      validate: {
        query: Joi.object({
          after: Joi.string()
            .pattern(/^\d{1,20}_\d{1,19}$/)
            .description('cursor of the last event seen'),
          types: Joi.string()
            .max(1000)
            .custom((value: string, helpers) => {
              const types = value.split(',').map((type) => type.trim());
              const valid = types.every((type) => !eventTypePattern.validate(type).error);
              return valid ? types : helpers.error('any.invalid');
            })
            .description('comma-separated types; `ledger.*` matches a prefix'),
          limit: Joi.number().integer().min(1).max(1000).default(100),
        }),
      },
    },
    handler: async (request) => {
      const { after, types, limit } = queryOf<{ after?: string; types?: string[]; limit: number }>(request);
      const data = await readEvents(request.server.app.db, {
        tenantId: scopeOf(request).tenantId,
        after,
        types,
        limit,
      });
      return { data, nextCursor: data.length === limit ? data[data.length - 1].cursor : null };
    },
  },
];
