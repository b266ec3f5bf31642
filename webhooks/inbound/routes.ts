// Owns the inbound routes: managing inbound sources, and the signed endpoint source systems post to.
import type { ServerRoute } from '@hapi/hapi';
import Joi from 'joi';
import { actorOf, headerOf, paramsOf, payloadOf, queryOf, scopeOf } from '../../core/http/context.ts';
import { mutate } from '../../core/http/mutation.ts';
import { answers } from '../../core/http/openapi.ts';
import { pageQuery } from '../../core/http/pagination.ts';
import { inboundAnswer, sourceName } from '../../core/intake/schema.ts';
import { idParams } from '../../core/payloads.ts';
import { newSourceAnswer, sourceAnswer, sourcePage } from '../schema.ts';
import { receiveInbound } from './receive.ts';
import { createSource, findSource, listSources, presentSource, SOURCE_KINDS } from './sources.ts';

const admins = { access: { scope: ['admin'] } };

export function inboundRoutes(maxBytes: number): ServerRoute[] {
  return [
    {
      method: 'POST',
      path: '/v1/inbound-sources',
      options: {
        ...answers('createInboundSource', { 201: newSourceAnswer }),
        description: 'Register a source system that pushes signed events; the answer shows its secret once',
        tags: ['api', 'inbound'],
        auth: admins,
        validate: {
          payload: Joi.object({
            name: sourceName.required().description('becomes the `source` of every event it sends'),
            kind: Joi.string()
              .valid(...SOURCE_KINDS)
              .required(),
          }).label('InboundSourceInput'),
        },
      },
      handler: (request, h) =>
        mutate(request, h, async (trx) => {
          const created = await createSource(
            trx,
            actorOf(request),
            payloadOf<{ name: string; kind: string }>(request),
          );
          return { status: 201, body: created, replay: { ...created, secret: null } };
        }),
    },
    {
      method: 'GET',
      path: '/v1/inbound-sources',
      options: {
        ...answers('listInboundSources', { 200: sourcePage }),
        description: 'Inbound sources with their accepted and rejected counts',
        tags: ['api', 'inbound'],
        auth: admins,
        validate: { query: Joi.object(pageQuery) },
      },
      handler: (request) =>
        listSources(
          request.server.app.db,
          scopeOf(request),
          queryOf<{ limit: number; cursor?: string }>(request),
        ),
    },
    {
      method: 'GET',
      path: '/v1/inbound-sources/{id}',
      options: {
        ...answers('getInboundSource', { 200: sourceAnswer }),
        description: 'One inbound source',
        tags: ['api', 'inbound'],
        auth: admins,
        validate: { params: idParams },
      },
      handler: async (request) =>
        presentSource(
          await findSource(request.server.app.db, scopeOf(request), paramsOf<{ id: string }>(request).id),
        ),
    },
    {
      method: 'POST',
      path: '/webhooks/inbound/{sourceId}',
      options: {
        ...answers('receiveInboundWebhook', { 200: inboundAnswer }),
        description: 'Receive events from a source system, signed per Standard Webhooks',
        notes:
          'Body: one event or `{ "events": [...] }`; for a connection’s source (a POS feed), what its connector reads ' +
          '(one `pos.transaction.v1` or `{ "transactions": [...] }`). Signed with the source’s secret over the raw body; ' +
          'a webhook-id already accepted gets the original answer again and has no second effect.',
        tags: ['api', 'inbound'],
        auth: false,
        payload: { parse: false, output: 'data', maxBytes },
      },
      handler: async (request, h) => {
        const { db, inboundParser } = request.server.app;
        const answer = await receiveInbound(
          db,
          {
            sourceId: paramsOf<{ sourceId: string }>(request).sourceId,
            webhookId: headerOf(request, 'webhook-id'),
            timestamp: headerOf(request, 'webhook-timestamp'),
            signatures: headerOf(request, 'webhook-signature'),
            body: (request.payload as Buffer | null) ?? Buffer.alloc(0),
          },
          request.server.app.config.inboundToleranceSeconds,
          inboundParser,
        );
        const response = h.response(answer.body as object).code(answer.status);
        return answer.replayed ? response.header('Idempotent-Replayed', 'true') : response;
      },
    },
  ];
}
