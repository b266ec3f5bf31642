// Owns the Joi schemas of what the API-key routes answer.
import Joi from 'joi';
import { pageOf } from '../paging.ts';
import { nullable } from '../payloads.ts';
import { ROLES } from './scope.ts';

const keyFields = {
  id: Joi.string().guid().required(),
  name: Joi.string().required(),
  role: Joi.string()
    .valid(...ROLES)
    .required(),
  partnerId: nullable(Joi.string().guid()),
  keyPrefix: Joi.string().required().description('the first characters, to recognise a key'),
  createdAt: Joi.date().required(),
  lastUsedAt: nullable(Joi.date()),
  revokedAt: nullable(Joi.date()),
};

export const apiKeyAnswer = Joi.object(keyFields).label('ApiKey');

export const newApiKeyAnswer = Joi.object({
  ...keyFields,
  key: nullable(Joi.string()).description('the key itself, shown once (null when the answer is a replay)'),
}).label('NewApiKey');

export const apiKeyPage = pageOf(apiKeyAnswer, 'ApiKeyPage');
