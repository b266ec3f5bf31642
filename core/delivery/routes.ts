// Owns the delivery routes: list deliveries with filters, get one with its attempts, resend one, or
// resend many by ids or filter.
import type { ServerRoute } from '@hapi/hapi';
import Joi from 'joi';
import { actorOf, paramsOf, payloadOf, queryOf, scopeOf } from '../http/context.ts';
import { mutate } from '../http/mutation.ts';
import { answers } from '../http/openapi.ts';
import { pageQuery } from '../http/pagination.ts';
import { memberRef } from '../members/schema.ts';
import { pageOf } from '../paging.ts';
import { bulkResults, idParams, noBody, nullable } from '../payloads.ts';
import {
  type DeliveryFilter,
  getDelivery,
  listDeliveries,
  RESEND_MAX,
  resendDelivery,
  resendMany,
} from './service.ts';

const STATUSES = ['queued', 'sent', 'delivered', 'failed'];
const CHANNELS = ['sms', 'email', 'whatsapp'];
const tags = ['api', 'delivery'];
const idOf = (request: Parameters<typeof paramsOf>[0]) => paramsOf<{ id: string }>(request).id;

const deliveryAnswer = Joi.object({
  id: Joi.string().guid().required(),
  issuanceId: Joi.string().guid().required(),
  campaignId: Joi.string().guid().required(),
  memberRef: Joi.string().required(),
  partnerId: nullable(Joi.string().guid()).description("a voucher's partner"),
  kind: Joi.string().valid('points', 'voucher').required(),
  status: Joi.string()
    .valid(...STATUSES)
    .required(),
  channel: nullable(Joi.string().valid(...CHANNELS)).description('the channel of the current or last send'),
  providerId: nullable(Joi.string()).description("the provider's id of the current send"),
  failureReason: nullable(Joi.string()).description(
    'invalid_address, not_mobile, opted_out, undeliverable, outside_window, rejected, no_template, ' +
      'retries_exhausted, no_channel; while queued, the last failure',
  ),
  failureDetail: nullable(Joi.string()),
  nextAttemptAt: nullable(Joi.date()),
  createdAt: Joi.date().required(),
  updatedAt: Joi.date().required(),
  sentAt: nullable(Joi.date()),
  deliveredAt: nullable(Joi.date()),
  failedAt: nullable(Joi.date()),
}).label('Delivery');

const attemptAnswer = Joi.object({
  at: Joi.date().required(),
  channel: Joi.string().required(),
  connectionId: nullable(Joi.string().guid()),
  address: nullable(Joi.string()),
  providerId: nullable(Joi.string()),
  outcome: Joi.string().valid('sent', 'delivered', 'transient', 'failed').required(),
  reason: nullable(Joi.string()),
  error: nullable(Joi.string()),
}).label('DeliveryAttempt');

const filter = {
  status: Joi.string().valid(...STATUSES),
  reason: Joi.string().max(40).description('a failure reason'),
  channel: Joi.string().valid(...CHANNELS),
  campaignId: Joi.string().guid(),
  memberRef,
};

const bulkAnswer = Joi.object({
  results: bulkResults('BulkResend'),
  more: Joi.boolean().required().description(`more deliveries match the filter than the ${RESEND_MAX} taken`),
}).label('BulkResend');

export const deliveryRoutes: ServerRoute[] = [
  {
    method: 'GET',
    path: '/v1/deliveries',
    options: {
      ...answers('listDeliveries', { 200: pageOf(deliveryAnswer, 'DeliveryPage') }),
      description: 'List reward messages, newest first',
      tags,
      auth: { access: { scope: ['admin', 'viewer'] } },
      validate: { query: Joi.object({ ...filter, ...pageQuery }) },
    },
    handler: (request) =>
      listDeliveries(
        request.server.app.db,
        scopeOf(request),
        queryOf<DeliveryFilter & { limit: number; cursor?: string }>(request),
      ),
  },
  {
    method: 'GET',
    path: '/v1/deliveries/{id}',
    options: {
      ...answers('getDelivery', {
        200: deliveryAnswer
          .keys({ attempts: Joi.array().items(attemptAnswer).required() })
          .label('DeliveryDetail'),
      }),
      description: 'Get a reward message with every attempt',
      tags,
      auth: { access: { scope: ['admin', 'viewer'] } },
      validate: { params: idParams },
    },
    handler: (request) => getDelivery(request.server.app.db, scopeOf(request), idOf(request)),
  },
  {
    method: 'POST',
    path: '/v1/deliveries/{id}/resend',
    options: {
      ...answers('resendDelivery', { 200: deliveryAnswer }),
      description: "Send a failed or unconfirmed message again, to the member's details as they are now",
      notes: '409 already_delivered for a delivered message, already_queued for one waiting to be sent.',
      tags,
      auth: { access: { scope: ['admin'] } },
      validate: { params: idParams, payload: noBody },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => ({
        status: 200,
        body: await resendDelivery(trx, actorOf(request), idOf(request)),
      })),
  },
  {
    method: 'POST',
    path: '/v1/deliveries/resend',
    options: {
      ...answers('resendDeliveries', { 200: bulkAnswer }),
      description: 'Resend many messages by id, or those a filter finds (failed ones by default)',
      tags,
      auth: { access: { scope: ['admin'] } },
      validate: {
        payload: Joi.object({
          ids: Joi.array().items(Joi.string().guid()).min(1).max(RESEND_MAX),
          filter: Joi.object(filter).label('DeliveryFilter'),
        })
          .xor('ids', 'filter')
          .label('BulkResendInput'),
      },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => ({
        status: 200,
        body: await resendMany(trx, actorOf(request), payloadOf(request)),
      })),
  },
];
