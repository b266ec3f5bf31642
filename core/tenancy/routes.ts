// Owns the API key routes: create (the key is shown once), list and revoke, for admins.
import type { ServerRoute } from '@hapi/hapi';
import Joi from 'joi';
import { actorOf, paramsOf, payloadOf, queryOf, scopeOf } from '../http/context.ts';
import { mutate } from '../http/mutation.ts';
import { answers } from '../http/openapi.ts';
import { pageQuery } from '../http/pagination.ts';
import { idParams, noBody } from '../payloads.ts';
import { apiKeyPage, newApiKeyAnswer } from './schema.ts';
import { ROLES } from './scope.ts';
import { createKey, listKeys, type NewKey, revokeKey } from './service.ts';

const admin = { access: { scope: ['admin'] } };

export const apiKeyRoutes: ServerRoute[] = [
  {
    method: 'POST',
    path: '/v1/api-keys',
    options: {
      ...answers('createApiKey', { 201: newApiKeyAnswer }),
      description: 'Create an API key; the key itself is in this response only',
      notes:
        'A replay of this request (same Idempotency-Key) answers with `key: null`: the key is never stored.',
      tags: ['api', 'api-keys'],
      auth: admin,
      validate: {
        payload: Joi.object({
          name: Joi.string().trim().min(1).max(200).required(),
          role: Joi.string()
            .valid(...ROLES)
            .required(),
          partnerId: Joi.string()
            .guid()
            .when('role', { is: 'partner', then: Joi.required(), otherwise: Joi.forbidden() }),
        }).label('ApiKeyInput'),
      },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => {
        const body = await createKey(trx, actorOf(request), payloadOf<NewKey>(request));
        return { status: 201, body, replay: { ...body, key: null } };
      }),
  },
  {
    method: 'GET',
    path: '/v1/api-keys',
    options: {
      ...answers('listApiKeys', { 200: apiKeyPage }),
      description: "List the tenant's API keys (never the keys themselves)",
      tags: ['api', 'api-keys'],
      auth: admin,
      validate: { query: Joi.object(pageQuery) },
    },
    handler: (request) => listKeys(request.server.app.db, scopeOf(request), queryOf(request)),
  },
  {
    method: 'DELETE',
    path: '/v1/api-keys/{id}',
    options: {
      ...answers('revokeApiKey', { 204: 'Revoked' }),
      description: 'Revoke an API key',
      tags: ['api', 'api-keys'],
      auth: admin,
      validate: { params: idParams, payload: noBody },
    },
    handler: async (request, h) => {
      const { id } = paramsOf<{ id: string }>(request);
      const response = await mutate(request, h, async (trx) => {
        await revokeKey(trx, actorOf(request), id);
        return { status: 204, body: null };
      });
      request.server.app.keyCache.forget(id);
      return response;
    },
  },
];
