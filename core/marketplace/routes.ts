// Owns the marketplace routes: what a member can buy with points, placing an order, and reading one.
import type { ServerRoute } from '@hapi/hapi';
import Joi from 'joi';
import { actorOf, paramsOf, payloadOf, queryOf, scopeOf } from '../http/context.ts';
import { mutate } from '../http/mutation.ts';
import { answers } from '../http/openapi.ts';
import { memberRef } from '../members/schema.ts';
import { idParams, nullable } from '../payloads.ts';
import { getOrder, marketplaceOffers, type OrderInput, placeOrder, presentOrder } from './service.ts';

const tags = ['api', 'marketplace'];
const callers = { access: { scope: ['admin', 'integration'] } };

const listing = Joi.object({
  data: Joi.array()
    .items(
      Joi.object({
        offerId: Joi.string().guid().required(),
        name: Joi.string().required(),
        partnerId: Joi.string().guid().required(),
        partner: Joi.string().required(),
        type: Joi.string().required(),
        currency: Joi.string().required(),
        denominations: Joi.array()
          .items(
            Joi.object({
              denomination: Joi.number().integer(),
              points: Joi.number().integer(),
              available: Joi.number().integer(),
            }).label('MarketplaceDenomination'),
          )
          .required(),
      }).label('MarketplaceOffer'),
    )
    .required(),
}).label('MarketplaceOffers');

const orderAnswer = Joi.object({
  id: Joi.string().guid().required(),
  memberRef: Joi.string().required(),
  offerId: Joi.string().guid().required(),
  partnerId: Joi.string().guid().required(),
  denomination: Joi.number().integer().required(),
  points: Joi.number().integer().required(),
  status: Joi.string().valid('pending', 'completed', 'failed').required(),
  failureReason: nullable(Joi.string()).description(
    'insufficient_balance, out_of_stock, partner_not_live, not_eligible',
  ),
  reservationId: nullable(Joi.string().guid()),
  code: nullable(Joi.string()),
  createdAt: Joi.date().required(),
  completedAt: nullable(Joi.date()),
}).label('MarketplaceOrder');

export const marketplaceRoutes: ServerRoute[] = [
  {
    method: 'GET',
    path: '/v1/marketplace/offers',
    options: {
      ...answers('listMarketplaceOffers', { 200: listing }),
      description: 'What a member can buy with points: live partners, eligible, in stock, priced',
      tags,
      auth: callers,
      validate: { query: Joi.object({ memberRef: memberRef.required() }) },
    },
    handler: (request) =>
      marketplaceOffers(
        request.server.app.db,
        scopeOf(request),
        queryOf<{ memberRef: string }>(request).memberRef,
      ),
  },
  {
    method: 'POST',
    path: '/v1/marketplace/orders',
    options: {
      ...answers('placeMarketplaceOrder', { 201: orderAnswer }),
      description: "Buy a code with the member's points: reserve, take a code, confirm",
      notes:
        'A failed order (201 with status failed and its failureReason) has released any points it reserved. ' +
        '409 not_in_marketplace for an offer without pointsPerUnit; 422 invalid_denomination.',
      tags,
      auth: callers,
      validate: {
        payload: Joi.object({
          memberRef: memberRef.required(),
          offerId: Joi.string().guid().required(),
          denomination: Joi.number().integer().min(1).required(),
        }).label('MarketplaceOrderInput'),
      },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => {
        const actor = actorOf(request);
        return {
          status: 201,
          body: presentOrder(actor.scope, await placeOrder(trx, actor, payloadOf<OrderInput>(request))),
        };
      }),
  },
  {
    method: 'GET',
    path: '/v1/marketplace/orders/{id}',
    options: {
      ...answers('getMarketplaceOrder', { 200: orderAnswer }),
      description: 'Get a marketplace order',
      tags,
      auth: { access: { scope: ['admin', 'integration', 'viewer'] } },
      validate: { params: idParams },
    },
    handler: (request) =>
      getOrder(request.server.app.db, scopeOf(request), paramsOf<{ id: string }>(request).id),
  },
];
