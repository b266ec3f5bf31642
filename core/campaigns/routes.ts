// Owns the campaign routes: create, list, get with counters, edit, lifecycle actions and dry runs.
import type { ServerRoute } from '@hapi/hapi';
import Joi from 'joi';
import { actorOf, paramsOf, payloadOf, queryOf, scopeOf } from '../http/context.ts';
import { mutate } from '../http/mutation.ts';
import { answers } from '../http/openapi.ts';
import { pageQuery } from '../http/pagination.ts';
import { issuanceAnswer } from '../issuance/schema.ts';
import { presentIssuance } from '../issuance/service.ts';
import { memberFields, memberRef } from '../members/schema.ts';
import { idParams, noBody } from '../payloads.ts';
import type { CampaignAction, CampaignStatus } from './lifecycle.ts';
import {
  campaignAnswer,
  campaignEdit,
  campaignInput,
  campaignPage,
  simulatedEvent,
  simulationAnswer,
} from './schema.ts';
import { type RewardRequest, sendReward } from './send-reward.ts';
import {
  type CampaignInput,
  createCampaign,
  editCampaign,
  getCampaign,
  listCampaigns,
  presentCampaign,
  transition,
} from './service.ts';
import { type SimulatedEvent, simulate } from './simulate.ts';

const admins = { access: { scope: ['admin'] } };
const readers = { access: { scope: ['admin', 'integration', 'viewer'] } };
const idOf = (request: Parameters<typeof paramsOf>[0]) => paramsOf<{ id: string }>(request).id;

const lifecycleRoute = (action: CampaignAction, description: string): ServerRoute => ({
  method: 'POST',
  path: `/v1/campaigns/{id}/${action}`,
  options: {
    ...answers(`${action}Campaign`, { 200: campaignAnswer }),
    description,
    tags: ['api', 'campaigns'],
    auth: admins,
    validate: { params: idParams, payload: noBody },
  },
  handler: (request, h) =>
    mutate(request, h, async (trx) => ({
      status: 200,
      body: presentCampaign(await transition(trx, actorOf(request), idOf(request), action)),
    })),
});

export const campaignRoutes: ServerRoute[] = [
  {
    method: 'POST',
    path: '/v1/issuances',
    options: {
      description: 'Send a reward: one issuance under the campaign’s governance',
      notes:
        'Refused with 409 and the code `campaign_not_active`, `outside_dates`, `not_eligible`, ' +
        '`member_cap_reached`, `campaign_cap_reached` or `budget_exhausted`.',
      tags: ['api', 'issuances'],
      auth: { access: { scope: ['admin', 'integration'] } },
      validate: {
        payload: Joi.object({
          campaignId: Joi.string().guid().required(),
          memberRef: memberRef.required(),
          member: memberFields.description('creates the member when Tessera does not know it yet'),
          reason: Joi.string().max(500),
          requestId: Joi.string()
            .min(1)
            .max(255)
            .description(
              'the idempotency key when no Idempotency-Key header is sent (e.g. Opportunity Id + step)',
            ),
        }),
      },
      plugins: {
        ...answers('sendReward', { 201: issuanceAnswer }).plugins,
        tessera: { idempotencyField: 'requestId' },
      },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => {
        const actor = actorOf(request);
        const issuance = await sendReward(trx, actor, payloadOf<RewardRequest>(request));
        return { status: 201, body: presentIssuance(actor.scope, issuance) };
      }),
  },
  {
    method: 'POST',
    path: '/v1/campaigns',
    options: {
      ...answers('createCampaign', { 201: campaignAnswer }),
      description: 'Create a campaign (as a draft)',
      notes:
        'Rules: `{ "type": "each" }`, `{ "type": "threshold", "field": "data.amount", "min": 100 }`, ' +
        '`{ "type": "cumulative", "field": "data.fuelLitres", "target": 100, "windowDays": 30 }`, ' +
        '`{ "type": "frequency", "count": 3, "windowDays": 30 }`, `{ "type": "direct" }`, each with an ' +
        'optional `where: [{ path, op, value }]`.',
      tags: ['api', 'campaigns'],
      auth: admins,
      validate: { payload: campaignInput },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => ({
        status: 201,
        body: presentCampaign(await createCampaign(trx, actorOf(request), payloadOf<CampaignInput>(request))),
      })),
  },
  {
    method: 'GET',
    path: '/v1/campaigns',
    options: {
      ...answers('listCampaigns', { 200: campaignPage }),
      description: 'List campaigns, newest first',
      tags: ['api', 'campaigns'],
      auth: readers,
      validate: {
        query: Joi.object({ status: Joi.string().valid('draft', 'active', 'paused', 'ended'), ...pageQuery }),
      },
    },
    handler: (request) =>
      listCampaigns(
        request.server.app.db,
        scopeOf(request),
        queryOf<{ status?: CampaignStatus; limit: number; cursor?: string }>(request),
      ),
  },
  {
    method: 'GET',
    path: '/v1/campaigns/{id}',
    options: {
      ...answers('getCampaign', { 200: campaignAnswer }),
      description: 'Get a campaign with its issued count, budget spent and reserved, and what remains',
      tags: ['api', 'campaigns'],
      auth: readers,
      validate: { params: idParams },
    },
    handler: async (request) =>
      presentCampaign(await getCampaign(request.server.app.db, scopeOf(request), idOf(request))),
  },
  {
    method: 'PATCH',
    path: '/v1/campaigns/{id}',
    options: {
      ...answers('updateCampaign', { 200: campaignAnswer }),
      description: 'Edit a campaign',
      notes: 'A draft may change entirely; an active or paused campaign only its dates, caps and budget.',
      tags: ['api', 'campaigns'],
      auth: admins,
      validate: { params: idParams, payload: campaignEdit },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => ({
        status: 200,
        body: presentCampaign(
          await editCampaign(
            trx,
            actorOf(request),
            idOf(request),
            payloadOf<Partial<CampaignInput>>(request),
          ),
        ),
      })),
  },
  lifecycleRoute('activate', 'Activate a draft or paused campaign'),
  lifecycleRoute('pause', 'Pause an active campaign'),
  lifecycleRoute('end', 'End a campaign for good'),
  {
    method: 'POST',
    path: '/v1/campaigns/{id}/simulate',
    options: {
      ...answers('simulateCampaign', { 200: simulationAnswer }),
      description: 'Dry run: what each event would produce, without writing anything',
      notes: "Counts from members' real progress; a draft or paused campaign is simulated as if active.",
      tags: ['api', 'campaigns'],
      auth: { access: { scope: ['admin', 'integration'] } },
      validate: {
        params: idParams,
        payload: Joi.object({ events: Joi.array().items(simulatedEvent).min(1).max(1000).required() }),
      },
    },
    handler: (request) =>
      simulate(
        request.server.app.db,
        actorOf(request),
        idOf(request),
        payloadOf<{ events: SimulatedEvent[] }>(request).events,
      ),
  },
];
