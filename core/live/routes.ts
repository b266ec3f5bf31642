// Owns POST /v1/live/tokens: short-lived read-only live tokens, safe to hand to a browser.
import type { ServerRoute } from '@hapi/hapi';
import Joi from 'joi';
import { requirePartner } from '../catalog/partners.ts';
import { domainError } from '../errors.ts';
import { payloadOf, scopeOf } from '../http/context.ts';
import { mutate } from '../http/mutation.ts';
import { answers } from '../http/openapi.ts';
import { memberRef } from '../members/schema.ts';
import { CHANNEL_NAMES, type Channel } from './channels.ts';
import { liveTokenAnswer } from './schema.ts';
import { issueToken } from './tokens.ts';

interface TokenRequest {
  channels: Channel[];
  partnerId?: string;
  memberRef?: string;
  campaignId?: string;
  ttlSeconds: number;
}

export const liveRoutes: ServerRoute[] = [
  {
    method: 'POST',
    path: '/v1/live/tokens',
    options: {
      ...answers('createLiveToken', { 201: liveTokenAnswer }),
      description: 'A short-lived, read-only token for the live feed (`/v1/live?token=…`)',
      notes:
        'Safe to hand to a browser: it can only read the named channels of this tenant (of one partner, ' +
        'when `partnerId` is set or the key is a partner key; of one member or campaign when `memberRef` ' +
        'or `campaignId` is set) until it expires or the key that issued it is revoked. A replay of this ' +
        'request (same Idempotency-Key) answers with `token: null`: tokens are never stored.',
      tags: ['api', 'live'],
      auth: { access: { scope: ['admin', 'viewer', 'partner'] } },
      validate: {
        payload: Joi.object({
          channels: Joi.array()
            .items(Joi.string().valid(...CHANNEL_NAMES))
            .min(1)
            .unique()
            .default(CHANNEL_NAMES),
          partnerId: Joi.string().guid(),
          memberRef,
          campaignId: Joi.string().guid(),
          ttlSeconds: Joi.number().integer().min(1).max(86_400).default(3600),
        })
          .default({})
          .label('LiveTokenRequest'),
      },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => {
        const scope = scopeOf(request);
        const input = payloadOf<TokenRequest>(request);
        if (scope.role === 'partner' && input.partnerId && input.partnerId !== scope.partnerId)
          throw domainError(403, 'forbidden', 'A partner key issues tokens for its own partner only');
        const partnerId = scope.role === 'partner' ? scope.partnerId : (input.partnerId ?? null);
        if (partnerId) await requirePartner(trx, scope, partnerId);
        const expiresAt = Math.floor(Date.now() / 1000) + input.ttlSeconds;
        const grant = {
          tenantId: scope.tenantId,
          keyId: scope.keyId,
          partnerId,
          channels: input.channels,
          memberRef: input.memberRef ?? null,
          campaignId: input.campaignId ?? null,
          expiresAt,
        };
        const { tenantId: _t, keyId: _k, ...shown } = grant;
        const body = {
          token: await issueToken(request.server.app.db, grant),
          ...shown,
          expiresAt: new Date(expiresAt * 1000).toISOString(),
        };
        return { status: 201, body, replay: { ...body, token: null } };
      }),
  },
];
