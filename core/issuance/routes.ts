// Owns the issuance routes: send a reward, list and get issuances, approve and reject held ones.
import type { ServerRoute } from '@hapi/hapi';
import Joi from 'joi';
import { actorOf, paramsOf, payloadOf, queryOf, scopeOf } from '../http/context.ts';
import { mutate } from '../http/mutation.ts';
import { answers } from '../http/openapi.ts';
import { pageQuery } from '../http/pagination.ts';
import { memberRef, memberStatus } from '../members/schema.ts';
import { idParams, noBody } from '../payloads.ts';
import { bulkApprovalAnswer, issuanceAnswer, issuancePage } from './schema.ts';
import {
  approveIssuance,
  approveMany,
  getIssuance,
  type IssuanceQuery,
  listIssuances,
  presentIssuance,
  rejectIssuance,
} from './service.ts';

const admins = { access: { scope: ['admin'] } };
const idOf = (request: Parameters<typeof paramsOf>[0]) => paramsOf<{ id: string }>(request).id;
const STATUSES = ['pending_approval', 'approved', 'rejected', 'fulfilled', 'failed'];

export const issuanceRoutes: ServerRoute[] = [
  {
    method: 'GET',
    path: '/v1/issuances',
    options: {
      ...answers('listIssuances', { 200: issuancePage }),
      description: 'List issuances, newest first',
      tags: ['api', 'issuances'],
      auth: { access: { scope: ['admin', 'integration', 'viewer'] } },
      validate: {
        query: Joi.object({
          status: Joi.string().valid(...STATUSES),
          campaignId: Joi.string().guid(),
          memberRef,
          memberStatus: memberStatus.description('held issuances of leavers: inactive'),
          ...pageQuery,
        }),
      },
    },
    handler: (request) =>
      listIssuances(request.server.app.db, scopeOf(request), queryOf<IssuanceQuery>(request)),
  },
  {
    method: 'GET',
    path: '/v1/issuances/{id}',
    options: {
      ...answers('getIssuance', { 200: issuanceAnswer }),
      description: 'Get an issuance',
      tags: ['api', 'issuances'],
      auth: { access: { scope: ['admin', 'integration', 'viewer'] } },
      validate: { params: idParams },
    },
    handler: (request) => getIssuance(request.server.app.db, scopeOf(request), idOf(request)),
  },
  {
    method: 'POST',
    path: '/v1/issuances/{id}/approve',
    options: {
      ...answers('approveIssuance', { 200: issuanceAnswer }),
      description: 'Approve a held issuance; it is fulfilled at once',
      tags: ['api', 'issuances'],
      auth: admins,
      validate: { params: idParams, payload: noBody },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => {
        const actor = actorOf(request);
        return {
          status: 200,
          body: presentIssuance(actor.scope, await approveIssuance(trx, actor, idOf(request))),
        };
      }),
  },
  {
    method: 'POST',
    path: '/v1/issuances/{id}/reject',
    options: {
      ...answers('rejectIssuance', { 200: issuanceAnswer }),
      description: 'Reject a held issuance; its share of the caps and budget is given back',
      tags: ['api', 'issuances'],
      auth: admins,
      validate: { params: idParams, payload: Joi.object({ reason: Joi.string().max(500) }).allow(null) },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => {
        const actor = actorOf(request);
        const reason = (request.payload as { reason?: string } | null)?.reason;
        return {
          status: 200,
          body: presentIssuance(actor.scope, await rejectIssuance(trx, actor, idOf(request), reason)),
        };
      }),
  },
  {
    method: 'POST',
    path: '/v1/issuances/approve',
    options: {
      ...answers('approveIssuances', { 200: bulkApprovalAnswer }),
      description: 'Approve many held issuances; each succeeds or fails on its own',
      tags: ['api', 'issuances'],
      auth: admins,
      validate: {
        payload: Joi.object({ ids: Joi.array().items(Joi.string().guid()).min(1).max(500).required() }).label(
          'BulkApprovalInput',
        ),
      },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => ({
        status: 200,
        body: await approveMany(trx, actorOf(request), payloadOf<{ ids: string[] }>(request).ids),
      })),
  },
];
