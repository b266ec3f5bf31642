// Owns the webhook endpoint routes: subscribe, read, change, delete, rotate the secret, see messages.
import type { Request, ServerRoute } from '@hapi/hapi';
import Joi from 'joi';
import { eventTypePattern } from '../core/events/types.ts';
import { actorOf, paramsOf, payloadOf, queryOf, scopeOf } from '../core/http/context.ts';
import { mutate } from '../core/http/mutation.ts';
import { answers } from '../core/http/openapi.ts';
import { pageQuery } from '../core/http/pagination.ts';
import { idParams, noBody } from '../core/payloads.ts';
import { addressPolicy } from './address-guard.ts';
import {
  changeEndpoint,
  createEndpoint,
  deleteEndpoint,
  type EndpointChange,
  findEndpoint,
  listEndpoints,
  listMessages,
  type NewEndpoint,
  presentEndpoint,
  rotateSecret,
} from './endpoints.ts';
import { recoverEndpoint, retryMessage, sendTestEvent } from './operations.ts';
import {
  endpointAnswer,
  endpointPage,
  messagePage,
  newEndpointAnswer,
  recoveryAnswer,
  retryAnswer,
  rotatedSecretAnswer,
  testEventAnswer,
} from './schema.ts';

const managers = { access: { scope: ['admin', 'partner'] } };
const eventTypes = Joi.array()
  .items(eventTypePattern)
  .min(1)
  .max(50)
  .description('event types; `ledger.*` matches every ledger event, `*` all');
const url = Joi.string()
  .uri({ scheme: ['http', 'https'] })
  .max(2000);
const id = (request: Request) => paramsOf<{ id: string }>(request).id;

const policyOf = (request: Request) => addressPolicy(request.server.app.config);

export const webhookRoutes: ServerRoute[] = [
  {
    method: 'POST',
    path: '/v1/webhook-endpoints',
    options: {
      ...answers('createWebhookEndpoint', { 201: newEndpointAnswer }),
      description: 'Subscribe an endpoint to events; the answer shows its signing secret once',
      tags: ['api', 'webhooks'],
      auth: managers,
      validate: {
        payload: Joi.object({
          url: url.required(),
          eventTypes: eventTypes.required(),
          description: Joi.string().max(500),
        }).label('WebhookEndpointInput'),
      },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => {
        const created = await createEndpoint(
          trx,
          actorOf(request),
          payloadOf<NewEndpoint>(request),
          policyOf(request),
        );
        return { status: 201, body: created, replay: { ...created, secret: null } };
      }),
  },
  {
    method: 'GET',
    path: '/v1/webhook-endpoints',
    options: {
      ...answers('listWebhookEndpoints', { 200: endpointPage }),
      description: 'Webhook endpoints',
      tags: ['api', 'webhooks'],
      auth: managers,
      validate: { query: Joi.object(pageQuery) },
    },
    handler: (request) =>
      listEndpoints(
        request.server.app.db,
        scopeOf(request),
        queryOf<{ limit: number; cursor?: string }>(request),
      ),
  },
  {
    method: 'GET',
    path: '/v1/webhook-endpoints/{id}',
    options: {
      ...answers('getWebhookEndpoint', { 200: endpointAnswer }),
      description: 'One webhook endpoint',
      tags: ['api', 'webhooks'],
      auth: managers,
      validate: { params: idParams },
    },
    handler: async (request) =>
      presentEndpoint(await findEndpoint(request.server.app.db, scopeOf(request), id(request))),
  },
  {
    method: 'PATCH',
    path: '/v1/webhook-endpoints/{id}',
    options: {
      ...answers('updateWebhookEndpoint', { 200: endpointAnswer }),
      description: 'Change the URL, event types or description, or enable / disable an endpoint',
      tags: ['api', 'webhooks'],
      auth: managers,
      validate: {
        params: idParams,
        payload: Joi.object({
          url,
          eventTypes,
          description: Joi.string().max(500).allow(null),
          enabled: Joi.boolean(),
        })
          .min(1)
          .label('WebhookEndpointChange'),
      },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => ({
        status: 200,
        body: await changeEndpoint(
          trx,
          actorOf(request),
          id(request),
          payloadOf<EndpointChange>(request),
          policyOf(request),
        ),
      })),
  },
  {
    method: 'DELETE',
    path: '/v1/webhook-endpoints/{id}',
    options: {
      ...answers('deleteWebhookEndpoint', { 204: 'Deleted' }),
      description: 'Delete an endpoint and its messages',
      tags: ['api', 'webhooks'],
      auth: managers,
      validate: { params: idParams, payload: noBody },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => {
        await deleteEndpoint(trx, actorOf(request), id(request));
        return { status: 204, body: null };
      }),
  },
  {
    method: 'POST',
    path: '/v1/webhook-endpoints/{id}/rotate-secret',
    options: {
      ...answers('rotateWebhookSecret', { 200: rotatedSecretAnswer }),
      description: 'A new signing secret; the previous one keeps signing beside it for 24 hours',
      tags: ['api', 'webhooks'],
      auth: managers,
      validate: { params: idParams, payload: noBody },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => {
        const rotated = await rotateSecret(trx, actorOf(request), id(request));
        return { status: 200, body: rotated, replay: { ...rotated, secret: null } };
      }),
  },
  {
    method: 'GET',
    path: '/v1/webhook-endpoints/{id}/messages',
    options: {
      ...answers('listWebhookMessages', { 200: messagePage }),
      description: "An endpoint's messages with their delivery attempts",
      tags: ['api', 'webhooks'],
      auth: managers,
      validate: {
        params: idParams,
        query: Joi.object({ ...pageQuery, status: Joi.string().valid('pending', 'delivered', 'failed') }),
      },
    },
    handler: (request) =>
      listMessages(
        request.server.app.db,
        scopeOf(request),
        id(request),
        queryOf<{ status?: string; limit: number; cursor?: string }>(request),
      ),
  },
  {
    method: 'POST',
    path: '/v1/webhook-messages/{id}/retry',
    options: {
      ...answers('retryWebhookMessage', { 202: retryAnswer }),
      description: 'Send a message once more, now',
      notes:
        'A failed (dead-lettered) or delivered message gets one more attempt; a message waiting for a ' +
        'scheduled retry is sent now instead.',
      tags: ['api', 'webhooks'],
      auth: managers,
      validate: { params: idParams, payload: noBody },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => ({
        status: 202,
        body: await retryMessage(trx, actorOf(request), id(request)),
      })),
  },
  {
    method: 'POST',
    path: '/v1/webhook-endpoints/{id}/recover',
    options: {
      ...answers('recoverWebhookEndpoint', { 202: recoveryAnswer }),
      description: 'Resend every failed message of the endpoint created since a time',
      tags: ['api', 'webhooks'],
      auth: managers,
      validate: {
        params: idParams,
        payload: Joi.object({ since: Joi.date().iso().required() }).label('WebhookRecoveryInput'),
      },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => ({
        status: 202,
        body: await recoverEndpoint(
          trx,
          actorOf(request),
          id(request),
          payloadOf<{ since: Date }>(request).since,
        ),
      })),
  },
  {
    method: 'POST',
    path: '/v1/webhook-endpoints/{id}/test',
    options: {
      ...answers('testWebhookEndpoint', { 202: testEventAnswer }),
      description: 'Send a `webhook.test` event to this endpoint only',
      tags: ['api', 'webhooks'],
      auth: managers,
      validate: { params: idParams, payload: noBody },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => ({
        status: 202,
        body: await sendTestEvent(trx, actorOf(request), id(request)),
      })),
  },
];
