// Owns POST /v1/live/tokens: short-lived read-only live tokens, safe to hand to a browser.
import type { ServerRoute } from '@hapi/hapi';
import Joi from 'joi';
import { payloadOf, scopeOf } from '../http/context.ts';
import { domainError } from '../http/errors.ts';
import { CHANNEL_NAMES, type Channel } from './channels.ts';
import { issueToken } from './tokens.ts';

export const liveRoutes: ServerRoute[] = [
  {
    method: 'POST',
    path: '/v1/live/tokens',
    options: {
      description: 'A short-lived, read-only token for the live feed (`/v1/live?token=…`)',
      notes:
        'Safe to hand to a browser: it can only read the named channels of this tenant (of one partner, ' +
        'when `partnerId` is set or the key is a partner key) until it expires. Nothing is stored.',
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
          ttlSeconds: Joi.number().integer().min(1).max(86_400).default(3600),
        }).default({}),
      },
    },
    handler: async (request, h) => {
      const scope = scopeOf(request);
      const input = payloadOf<{ channels: Channel[]; partnerId?: string; ttlSeconds: number }>(request);
      if (scope.role === 'partner' && input.partnerId && input.partnerId !== scope.partnerId)
        throw domainError(403, 'forbidden', 'A partner key issues tokens for its own partner only');
      const partnerId = scope.role === 'partner' ? scope.partnerId : (input.partnerId ?? null);
      const expiresAt = Math.floor(Date.now() / 1000) + input.ttlSeconds;
      const token = await issueToken(request.server.app.db, {
        tenantId: scope.tenantId,
        partnerId,
        channels: input.channels,
        expiresAt,
      });
      return h
        .response({
          token,
          channels: input.channels,
          partnerId,
          expiresAt: new Date(expiresAt * 1000).toISOString(),
        })
        .code(201);
    },
  },
];
