// Owns GET /v1/audit: the tenant's audit trail, for admins.
import type { ServerRoute } from '@hapi/hapi';
import Joi from 'joi';
import { queryOf, scopeOf } from '../http/context.ts';
import { answers } from '../http/openapi.ts';
import { pageQuery } from '../http/pagination.ts';
import { type AuditQuery, listAudit } from './log.ts';
import { auditPage } from './schema.ts';

export const auditRoutes: ServerRoute[] = [
  {
    method: 'GET',
    path: '/v1/audit',
    options: {
      ...answers('listAuditEntries', { 200: auditPage }),
      description: 'The audit trail, newest first',
      tags: ['api', 'audit'],
      auth: { access: { scope: ['admin'] } },
      validate: {
        query: Joi.object({
          entityType: Joi.string().max(100),
          entityId: Joi.string().max(200),
          from: Joi.date().iso(),
          to: Joi.date().iso(),
          ...pageQuery,
        }),
      },
    },
    handler: (request) => listAudit(request.server.app.db, scopeOf(request), queryOf<AuditQuery>(request)),
  },
];
