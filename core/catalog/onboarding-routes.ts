// Owns the onboarding routes: a partner read whole, its stage moves, an offer's changes and terms
// versions.
import type { ServerRoute } from '@hapi/hapi';
import Joi from 'joi';
import { actorOf, paramsOf, payloadOf, scopeOf } from '../http/context.ts';
import { mutate } from '../http/mutation.ts';
import { answers } from '../http/openapi.ts';
import { idParams } from '../payloads.ts';
import type { PartnerStage } from './model.ts';
import { changeOffer, type OfferChange, presentOffer } from './offers.ts';
import { moveStage } from './onboarding.ts';
import { findPartner, presentPartner } from './partners.ts';
import {
  offerAnswer,
  offerChange,
  partnerAnswer,
  stageAnswer,
  stageMove,
  termsAnswer,
  termsInput,
} from './schema.ts';
import { addTerms, listTerms, presentTerms } from './terms.ts';

const admins = { access: { scope: ['admin'] } };
const readers = { access: { scope: ['admin', 'integration', 'viewer', 'partner'] } };
const tags = ['api', 'catalog'];
const idOf = (request: Parameters<typeof paramsOf>[0]) => paramsOf<{ id: string }>(request).id;

export const onboardingRoutes: ServerRoute[] = [
  {
    method: 'GET',
    path: '/v1/partners/{id}',
    options: {
      ...answers('getPartner', { 200: partnerAnswer }),
      description: 'Get a partner with its profile and onboarding stage (a partner key: its own)',
      tags,
      auth: readers,
      validate: { params: idParams },
    },
    handler: async (request) =>
      presentPartner(await findPartner(request.server.app.db, scopeOf(request), idOf(request))),
  },
  {
    method: 'POST',
    path: '/v1/partners/{id}/stage',
    options: {
      ...answers('movePartnerStage', { 200: stageAnswer }),
      description: 'Move a partner to its next onboarding stage, or suspend and resume it',
      notes:
        'profiling → offer_setup → eligibility → uat → live, and live ⇄ suspended. 409 invalid_transition ' +
        'for any other move; 409 onboarding_incomplete with one detail per unmet gate; 409 ' +
        'four_eyes_required when the key that moved it to uat takes it live. The first time it goes live ' +
        "the answer carries the partner's first API key, shown once (a replay answers `key: null`).",
      tags,
      auth: admins,
      validate: { params: idParams, payload: stageMove },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => {
        const { stage } = payloadOf<{ stage: PartnerStage }>(request);
        const body = await moveStage(trx, actorOf(request), idOf(request), stage);
        // A replay (same Idempotency-Key) answers the key as null: it is never stored.
        return {
          status: 200,
          body,
          replay: body.apiKey ? { ...body, apiKey: { ...body.apiKey, key: null } } : body,
        };
      }),
  },
  {
    method: 'PATCH',
    path: '/v1/offers/{id}',
    options: {
      ...answers('updateOffer', { 200: offerAnswer }),
      description: "Change an offer's name, denominations, expiry, country or eligibility",
      tags,
      auth: admins,
      validate: { params: idParams, payload: offerChange },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => ({
        status: 200,
        body: presentOffer(
          await changeOffer(trx, actorOf(request), idOf(request), payloadOf<OfferChange>(request)),
        ),
      })),
  },
  {
    method: 'POST',
    path: '/v1/offers/{id}/terms',
    options: {
      ...answers('addOfferTerms', { 201: termsAnswer }),
      description: "Add a version of an offer's terms (versions are never changed)",
      tags,
      auth: admins,
      validate: { params: idParams, payload: termsInput },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => ({
        status: 201,
        body: presentTerms(
          await addTerms(trx, actorOf(request), idOf(request), payloadOf<{ text: string }>(request).text),
        ),
      })),
  },
  {
    method: 'GET',
    path: '/v1/offers/{id}/terms',
    options: {
      ...answers('listOfferTerms', {
        200: Joi.object({ data: Joi.array().items(termsAnswer).required() }).label('OfferTermsList'),
      }),
      description: "An offer's terms, every version, oldest first",
      tags,
      auth: readers,
      validate: { params: idParams },
    },
    handler: (request) => listTerms(request.server.app.db, scopeOf(request), idOf(request)),
  },
];
