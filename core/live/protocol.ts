// Owns the messages a live client may send: subscribe (channels, filter, since) and snapshot requests.
import Joi from 'joi';
import { CHANNEL_NAMES } from './channels.ts';

export const CLOSE = {
  unauthorized: 4401,
  // Past the buffer limit: reconnect and subscribe with `since` set to the last cursor received.
  resumeWithSince: 4008,
  goingAway: 1001,
  // The server cannot check credentials now (its database is unavailable): reconnect later.
  tryAgainLater: 1013,
} as const;

export const clientMessage = Joi.alternatives().conditional('.type', {
  switch: [
    {
      is: 'subscribe',
      then: Joi.object({
        type: 'subscribe',
        channels: Joi.array()
          .items(Joi.string().valid(...CHANNEL_NAMES))
          .min(1)
          .unique()
          .required(),
        filter: Joi.object({
          memberRef: Joi.string().max(200),
          campaignId: Joi.string().guid(),
          partnerId: Joi.string().guid(),
        }).default({}),
        since: Joi.string().max(41),
      }),
    },
    {
      is: 'snapshot',
      then: Joi.object({
        type: 'snapshot',
        resource: Joi.string().valid('balance', 'campaign').required(),
        memberRef: Joi.when('resource', { is: 'balance', then: Joi.string().max(200).required() }),
        campaignId: Joi.when('resource', { is: 'campaign', then: Joi.string().guid().required() }),
      }),
    },
  ],
  otherwise: Joi.object({ type: Joi.string().valid('subscribe', 'snapshot').required() }).unknown(true),
});
