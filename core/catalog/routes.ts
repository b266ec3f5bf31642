// Owns the catalog routes: partners, offers with their stock, and voucher code uploads (JSON or CSV).
import type { ServerRoute } from '@hapi/hapi';
import Joi from 'joi';
import { actorOf, paramsOf, payloadOf, queryOf, scopeOf } from '../http/context.ts';
import { mutate } from '../http/mutation.ts';
import { answers } from '../http/openapi.ts';
import { pageQuery } from '../http/pagination.ts';
import { idParams } from '../payloads.ts';
import { codesFromCsv, loadCodes, type NewCode } from './codes.ts';
import { createOffer, findOffer, listOffers, type OfferInput, offerStock, presentOffer } from './offers.ts';
import { changePartner, createPartner, listPartners, type PartnerInput, presentPartner } from './partners.ts';
import {
  codesLoaded,
  codeUpload,
  offerAnswer,
  offerInput,
  offerPage,
  offerWithStock,
  partnerAnswer,
  partnerChange,
  partnerInput,
  partnerPage,
} from './schema.ts';

const admins = { access: { scope: ['admin'] } };
const readers = { access: { scope: ['admin', 'integration', 'viewer', 'partner'] } };

function uploadedCodes(payload: unknown, denomination: number | undefined): NewCode[] {
  if (typeof payload === 'string') return codesFromCsv(payload, denomination);
  const upload = payload as { denomination: number; codes: string[] };
  return upload.codes.map((code) => ({ code, denomination: upload.denomination }));
}

export const catalogRoutes: ServerRoute[] = [
  {
    method: 'POST',
    path: '/v1/partners',
    options: {
      ...answers('createPartner', { 201: partnerAnswer }),
      description: 'Create a partner',
      tags: ['api', 'catalog'],
      auth: admins,
      validate: { payload: partnerInput },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => ({
        status: 201,
        body: presentPartner(await createPartner(trx, actorOf(request), payloadOf<PartnerInput>(request))),
      })),
  },
  {
    method: 'PATCH',
    path: '/v1/partners/{id}',
    options: {
      ...answers('updatePartner', { 200: partnerAnswer }),
      description: 'Rename a partner or change its ledger access',
      notes:
        "Ledger access takes effect for the partner's keys at once on this server, and within " +
        'TESSERA_AUTH_CACHE_SECONDS on the others.',
      tags: ['api', 'catalog'],
      auth: admins,
      validate: { params: idParams, payload: partnerChange },
    },
    handler: async (request, h) => {
      const { id } = paramsOf<{ id: string }>(request);
      const response = await mutate(request, h, async (trx) => ({
        status: 200,
        body: presentPartner(
          await changePartner(trx, actorOf(request), id, payloadOf<Partial<PartnerInput>>(request)),
        ),
      }));
      request.server.app.keyCache.forgetPartner(id);
      return response;
    },
  },
  {
    method: 'GET',
    path: '/v1/partners',
    options: {
      ...answers('listPartners', { 200: partnerPage }),
      description: 'List partners by name, paged like every list',
      tags: ['api', 'catalog'],
      auth: readers,
      validate: { query: Joi.object(pageQuery) },
    },
    handler: (request) =>
      listPartners(
        request.server.app.db,
        scopeOf(request),
        queryOf<{ limit: number; cursor?: string }>(request),
      ),
  },
  {
    method: 'POST',
    path: '/v1/offers',
    options: {
      ...answers('createOffer', { 201: offerAnswer }),
      description: "Create an offer in a partner's catalog",
      tags: ['api', 'catalog'],
      auth: admins,
      validate: { payload: offerInput },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => ({
        status: 201,
        body: presentOffer(await createOffer(trx, actorOf(request), payloadOf<OfferInput>(request))),
      })),
  },
  {
    method: 'GET',
    path: '/v1/offers',
    options: {
      ...answers('listOffers', { 200: offerPage }),
      description: 'List offers (a partner key sees its own)',
      tags: ['api', 'catalog'],
      auth: readers,
      validate: { query: Joi.object({ partnerId: Joi.string().guid(), ...pageQuery }) },
    },
    handler: (request) =>
      listOffers(
        request.server.app.db,
        scopeOf(request),
        queryOf<{ partnerId?: string; limit: number }>(request),
      ),
  },
  {
    method: 'GET',
    path: '/v1/offers/{id}',
    options: {
      ...answers('getOffer', { 200: offerWithStock }),
      description: 'Get an offer with its voucher stock per denomination',
      tags: ['api', 'catalog'],
      auth: readers,
      validate: { params: idParams },
    },
    handler: async (request) => {
      const { db } = request.server.app;
      const offer = await findOffer(db, scopeOf(request), paramsOf<{ id: string }>(request).id);
      return { ...presentOffer(offer), stock: await offerStock(db, offer.id) };
    },
  },
  {
    method: 'POST',
    path: '/v1/offers/{id}/codes',
    options: {
      ...answers('loadVoucherCodes', { 201: codesLoaded }),
      description: 'Load voucher codes for an offer',
      notes:
        'JSON `{ "denomination", "codes": [...] }`, or `text/csv` with a header row naming `code` and ' +
        '`denomination` (or a `?denomination=` parameter for all rows). All codes load or none: a code ' +
        'repeated in the upload or already loaded for the offer refuses the upload (409 `duplicate_codes`).',
      tags: ['api', 'catalog'],
      auth: admins,
      payload: { allow: ['application/json', 'text/csv'] },
      validate: {
        params: idParams,
        query: Joi.object({ denomination: Joi.number().integer().min(1) }),
        payload: Joi.alternatives(codeUpload, Joi.string().max(5_000_000)),
      },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => {
        const actor = actorOf(request);
        const offer = await findOffer(trx, actor.scope, paramsOf<{ id: string }>(request).id);
        const codes = uploadedCodes(
          request.payload,
          queryOf<{ denomination?: number }>(request).denomination,
        );
        const { loaded } = await loadCodes(trx, actor, offer, codes);
        return { status: 201, body: { loaded, stock: await offerStock(trx, offer.id) } };
      }),
  },
];
