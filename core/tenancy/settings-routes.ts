// Owns the tenant settings routes (admin): read them, and change some of them.
import type { ServerRoute } from '@hapi/hapi';
import { actorOf, payloadOf, scopeOf } from '../http/context.ts';
import { mutate } from '../http/mutation.ts';
import { answers } from '../http/openapi.ts';
import { changeSettings, readSettings, settingsAnswer, settingsChange } from './settings.ts';

const admin = { access: { scope: ['admin'] } };

export const settingsRoutes: ServerRoute[] = [
  {
    method: 'GET',
    path: '/v1/settings',
    options: {
      ...answers('getSettings', { 200: settingsAnswer }),
      description: "The tenant's settings, defaults included",
      tags: ['api', 'settings'],
      auth: admin,
    },
    handler: (request) => readSettings(request.server.app.db, scopeOf(request).tenantId),
  },
  {
    method: 'PATCH',
    path: '/v1/settings',
    options: {
      ...answers('changeSettings', { 200: settingsAnswer }),
      description: 'Change settings: the keys given are replaced, the rest kept; audited',
      tags: ['api', 'settings'],
      auth: admin,
      validate: { payload: settingsChange },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => ({
        status: 200,
        body: await changeSettings(trx, actorOf(request), payloadOf(request)),
      })),
  },
];
