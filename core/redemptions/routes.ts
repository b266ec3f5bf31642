// Owns the redemption routes: record one (a partner for its own offers, or an admin), list and get them
// (a partner key: its own), validate pending ones by one-time code or PIN, and a partner's UAT runs.
import type { ServerRoute } from '@hapi/hapi';
import Joi from 'joi';
import type { ChannelSender } from '../delivery/channel.ts';
import { actorOf, paramsOf, payloadOf, queryOf, scopeOf } from '../http/context.ts';
import { errorReply } from '../http/errors.ts';
import { mutate } from '../http/mutation.ts';
import { answers } from '../http/openapi.ts';
import { pageQuery } from '../http/pagination.ts';
import { memberRef } from '../members/schema.ts';
import { pageOf } from '../paging.ts';
import { idParams, nullable } from '../payloads.ts';
import {
  findRedemption,
  listRedemptions,
  presentRedemption,
  type RedemptionInput,
  type RedemptionQuery,
  recordRedemption,
} from './service.ts';
import { listUatRuns, presentUatRun, runUat, uatAnswer, uatInput } from './uat.ts';
import { keepChallenge, sendChallenge, verify } from './validation.ts';

const CHANNELS = ['online', 'in_store', 'app', 'call_centre'];
const METHODS = ['otp', 'pin', 'qr', 'code', 'none'];
const STATUSES = ['successful', 'pending', 'failed'];
const tags = ['api', 'redemptions'];
const idOf = (request: Parameters<typeof paramsOf>[0]) => paramsOf<{ id: string }>(request).id;

const redemptionInput = Joi.object({
  offerId: Joi.string().guid().required(),
  code: Joi.string().trim().min(4).max(200),
  memberRef,
  channel: Joi.string()
    .valid(...CHANNELS)
    .required(),
  location: Joi.string().max(200),
  storeId: Joi.string().max(100),
  validationMethod: Joi.string()
    .valid(...METHODS)
    .required(),
  status: Joi.string()
    .valid(...STATUSES)
    .default('successful'),
  occurredAt: Joi.date().iso(),
})
  .or('code', 'memberRef')
  .label('RedemptionInput');

export const redemptionAnswer = Joi.object({
  id: Joi.string().guid().required(),
  offerId: Joi.string().guid().required(),
  partnerId: Joi.string().guid().required(),
  memberRef: nullable(Joi.string()),
  amount: nullable(Joi.number().integer()).description("the code's denomination"),
  tier: nullable(Joi.string()).description("the member's tier as a token (the same tier, the same token)"),
  channel: Joi.string().required(),
  location: nullable(Joi.string()),
  storeId: nullable(Joi.string()),
  validationMethod: Joi.string().required(),
  status: Joi.string().required(),
  failureReason: nullable(Joi.string()),
  occurredAt: Joi.date().required(),
  createdAt: Joi.date().required(),
  updatedAt: Joi.date().required(),
}).label('Redemption');

const recorders = { access: { scope: ['admin', 'partner'] } };
const readers = { access: { scope: ['admin', 'viewer', 'partner'] } };

export const redemptionRoutes: ServerRoute[] = [
  {
    method: 'POST',
    path: '/v1/redemptions',
    options: {
      ...answers('recordRedemption', { 201: redemptionAnswer }),
      description: 'Record a redemption of an offer (a partner key: its own offers)',
      notes:
        'By code (the member is the code’s) or by memberRef. A code redeems once: 409 code_not_redeemable ' +
        'with details [{status: unassigned|redeemed|voided}]. A pending redemption holds the code.',
      tags,
      auth: recorders,
      validate: { payload: redemptionInput },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => ({
        status: 201,
        body: presentRedemption(
          await recordRedemption(trx, actorOf(request), payloadOf<RedemptionInput>(request)),
        ),
      })),
  },
  {
    method: 'GET',
    path: '/v1/redemptions',
    options: {
      ...answers('listRedemptions', { 200: pageOf(redemptionAnswer, 'RedemptionPage') }),
      description: 'List redemptions, newest first (a partner key: its own)',
      tags,
      auth: readers,
      validate: {
        query: Joi.object({
          offerId: Joi.string().guid(),
          partnerId: Joi.string().guid(),
          from: Joi.date().iso(),
          to: Joi.date().iso(),
          channel: Joi.string().valid(...CHANNELS),
          tier: Joi.string().max(50).description('a tier as members carry it'),
          status: Joi.string().valid(...STATUSES),
          validationMethod: Joi.string().valid(...METHODS),
          ...pageQuery,
        }),
      },
    },
    handler: (request) =>
      listRedemptions(request.server.app.db, scopeOf(request), queryOf<RedemptionQuery>(request)),
  },
  {
    method: 'GET',
    path: '/v1/redemptions/{id}',
    options: {
      ...answers('getRedemption', { 200: redemptionAnswer }),
      description: 'Get a redemption',
      tags,
      auth: readers,
      validate: { params: idParams },
    },
    handler: async (request) =>
      presentRedemption(await findRedemption(request.server.app.db, scopeOf(request), idOf(request))),
  },
  {
    method: 'POST',
    path: '/v1/redemptions/challenges',
    options: {
      ...answers('challengeRedemption', {
        201: Joi.object({
          redemptionId: Joi.string().guid().required(),
          channel: Joi.string().required(),
          expiresAt: Joi.date().required(),
        }).label('RedemptionChallenge'),
      }),
      description: 'Send the member a one-time code for a pending redemption validated by OTP',
      notes: "Through the member's delivery channel (template kind otp); the code itself is never answered.",
      tags,
      auth: recorders,
      validate: {
        payload: Joi.object({ redemptionId: Joi.string().guid().required() }).label('ChallengeInput'),
      },
    },
    handler: async (request, h) => {
      const { db, config, channelSender } = request.server.app;
      const actor = actorOf(request);
      const { redemptionId } = payloadOf<{ redemptionId: string }>(request);
      const sent = await sendChallenge(
        { db, config, sender: channelSender as ChannelSender },
        actor,
        redemptionId,
      );
      return mutate(request, h, async (trx) => ({
        status: 201,
        body: await keepChallenge(trx, actor, sent),
      }));
    },
  },
  {
    method: 'POST',
    path: '/v1/redemptions/{id}/verify',
    options: {
      ...answers('verifyRedemption', { 200: redemptionAnswer }),
      description: 'Check the one-time code or PIN of a pending redemption',
      notes:
        '409 otp_invalid with details [{attemptsLeft}], otp_expired, or otp_attempts_exceeded (which fails the ' +
        'redemption). A right code makes it successful and spends its voucher code.',
      tags,
      auth: recorders,
      validate: {
        params: idParams,
        payload: Joi.object({
          code: Joi.string()
            .pattern(/^\d{4,8}$/)
            .required(),
        }).label('VerifyInput'),
      },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => {
        const verified = await verify(
          trx,
          request.server.app.config,
          actorOf(request),
          idOf(request),
          payloadOf<{ code: string }>(request).code,
        );
        return verified.ok
          ? { status: 200, body: presentRedemption(verified.redemption) }
          : errorReply(verified.refusal);
      }),
  },
  {
    method: 'POST',
    path: '/v1/partners/{id}/uat-runs',
    options: {
      ...answers('runPartnerUat', { 201: uatAnswer }),
      description: "Run the partner's redemption flow end to end in sandbox mode and record each step",
      notes:
        'A sandbox member, a test issuance of the offer, a redemption with the validation method, and the ' +
        'check that the code is spent. All of it is rolled back: it never appears in lists, stats, ' +
        'exports, webhooks or the live feed, and uses up no code. Only the run and its steps are kept.',
      tags: ['api', 'catalog'],
      auth: { access: { scope: ['admin'] } },
      validate: { params: idParams, payload: uatInput },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => ({
        status: 201,
        body: presentUatRun(
          await runUat(
            trx,
            request.server.app.config,
            actorOf(request),
            idOf(request),
            payloadOf(request) ?? {},
          ),
        ),
      })),
  },
  {
    method: 'GET',
    path: '/v1/partners/{id}/uat-runs',
    options: {
      ...answers('listPartnerUatRuns', {
        200: Joi.object({ data: Joi.array().items(uatAnswer).required() }).label('UatRuns'),
      }),
      description: "The partner's UAT runs, newest first",
      tags: ['api', 'catalog'],
      auth: { access: { scope: ['admin', 'viewer'] } },
      validate: { params: idParams },
    },
    handler: (request) => listUatRuns(request.server.app.db, scopeOf(request), idOf(request)),
  },
];
