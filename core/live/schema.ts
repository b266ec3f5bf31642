// Owns the Joi schema of a live-feed token as the token route answers it.
import Joi from 'joi';
import { nullable } from '../payloads.ts';
import { CHANNEL_NAMES } from './channels.ts';

export const liveTokenAnswer = Joi.object({
  token: nullable(Joi.string()).description('tlt_…, for ?token= (null when the answer is a replay)'),
  partnerId: nullable(Joi.string().guid()),
  channels: Joi.array()
    .items(Joi.string().valid(...CHANNEL_NAMES))
    .required(),
  memberRef: nullable(Joi.string()),
  campaignId: nullable(Joi.string().guid()),
  expiresAt: Joi.date().required(),
}).label('LiveToken');
