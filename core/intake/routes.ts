// Owns POST /v1/events (a source system reports what happened) and GET /v1/events/inbound (the intake).
import type { ServerRoute } from '@hapi/hapi';
import Joi from 'joi';
import { actorOf, payloadOf, queryOf, scopeOf } from '../http/context.ts';
import { mutate } from '../http/mutation.ts';
import { answers } from '../http/openapi.ts';
import { pageQuery } from '../http/pagination.ts';
import { memberRef } from '../members/schema.ts';
import { sourceEvent, sourceEventAnswer, sourceEventPage } from './schema.ts';
import { type InboundQuery, listSourceEvents, type SourceEventInput, takeIn } from './service.ts';

export const intakeRoutes: ServerRoute[] = [
  {
    method: 'POST',
    path: '/v1/events',
    options: {
      ...answers('postEvent', { 200: sourceEventAnswer, 201: sourceEventAnswer }),
      description: 'Report an event from a source system (a visit, a purchase, a closed deal, a milestone)',
      notes:
        'Stored durably before the answer. The same (source, sourceEventId) again answers 200 with the ' +
        'original outcome and has no second effect. An unknown member is created from `member` when given; ' +
        'otherwise the event is stored as `unmatched`.',
      tags: ['api', 'events'],
      auth: { access: { scope: ['admin', 'integration'] } },
      validate: { payload: sourceEvent },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => {
        const actor = actorOf(request);
        const result = await takeIn(
          trx,
          { tenantId: actor.scope.tenantId, actor },
          payloadOf<SourceEventInput>(request),
        );
        return { status: result.created ? 201 : 200, body: result.event };
      }),
  },
  {
    method: 'GET',
    path: '/v1/events/inbound',
    options: {
      ...answers('listSourceEvents', { 200: sourceEventPage }),
      description: 'Source events taken in, newest first',
      tags: ['api', 'events'],
      auth: { access: { scope: ['admin', 'integration', 'viewer'] } },
      validate: {
        query: Joi.object({
          status: Joi.string().valid('accepted', 'unmatched'),
          source: Joi.string().max(100),
          memberRef,
          ...pageQuery,
        }),
      },
    },
    handler: (request) =>
      listSourceEvents(request.server.app.db, scopeOf(request), queryOf<InboundQuery>(request)),
  },
];
