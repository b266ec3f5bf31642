// Owns the Joi schemas of what the webhook routes answer: endpoints, their secrets, messages with their
// attempts, and the answers of the operations that send again.
import Joi from 'joi';
import { pageOf } from '../core/paging.ts';
import { nullable } from '../core/payloads.ts';

const endpointFields = {
  id: Joi.string().guid().required(),
  url: Joi.string().required(),
  description: nullable(Joi.string()),
  eventTypes: Joi.array().items(Joi.string()).required(),
  enabled: Joi.boolean().required(),
  disabledReason: nullable(Joi.string()),
  partnerId: nullable(Joi.string().guid()),
  failingSince: nullable(Joi.date()),
  createdAt: Joi.date().required(),
  updatedAt: Joi.date().required(),
};

const secret = nullable(Joi.string()).description(
  'whsec_…, the signing secret, shown once (null when the answer is a replay)',
);

export const endpointAnswer = Joi.object(endpointFields).label('WebhookEndpoint');
export const newEndpointAnswer = Joi.object({ ...endpointFields, secret }).label('NewWebhookEndpoint');
export const rotatedSecretAnswer = Joi.object({
  ...endpointFields,
  secret,
  previousSecretValidUntil: nullable(Joi.date()).description('deliveries carry both signatures until then'),
}).label('RotatedWebhookSecret');
export const endpointPage = pageOf(endpointAnswer, 'WebhookEndpointPage');

const attempt = Joi.object({
  attempt: Joi.number().integer().required(),
  startedAt: Joi.date().required(),
  statusCode: nullable(Joi.number().integer()),
  durationMs: Joi.number().integer().required(),
  responseBody: nullable(Joi.string()),
  error: nullable(Joi.string()),
}).label('WebhookAttempt');

export const messagePage = pageOf(
  Joi.object({
    id: Joi.string().guid().required(),
    eventId: Joi.string().required(),
    eventType: Joi.string().required(),
    status: Joi.string().valid('pending', 'delivered', 'failed').required(),
    attempts: Joi.array().items(attempt).required(),
    nextAttemptAt: nullable(Joi.date()),
    deliveredAt: nullable(Joi.date()),
    createdAt: Joi.date().required(),
    payload: Joi.object().unknown(true).required().description('the body as sent'),
  }).label('WebhookMessage'),
  'WebhookMessagePage',
);

export const retryAnswer = Joi.object({
  id: Joi.string().guid().required(),
  status: Joi.string().valid('pending').required(),
  attempts: Joi.number().integer().required(),
}).label('WebhookRetry');

export const recoveryAnswer = Joi.object({
  endpointId: Joi.string().guid().required(),
  since: Joi.date().required(),
  recovered: Joi.number().integer().required(),
}).label('WebhookRecovery');

export const testEventAnswer = Joi.object({
  messageId: Joi.string().guid().required(),
  eventId: Joi.string().required(),
  type: Joi.string().valid('webhook.test').required(),
}).label('WebhookTest');

const sourceFields = {
  id: Joi.string().guid().required(),
  name: Joi.string().required(),
  kind: Joi.string().required(),
  path: Joi.string().required().description('where the source system posts, signed'),
  connectionId: nullable(Joi.string().guid()).description(
    'the connection whose connector reads what arrives (a POS feed)',
  ),
  acceptedCount: Joi.number().integer().required(),
  rejectedCount: Joi.number().integer().required(),
  lastRejectedAt: nullable(Joi.date()),
  lastRejection: nullable(Joi.string()),
  createdAt: Joi.date().required(),
};

export const sourceAnswer = Joi.object(sourceFields).label('InboundSource');
export const newSourceAnswer = Joi.object({ ...sourceFields, secret }).label('NewInboundSource');
export const sourcePage = pageOf(sourceAnswer, 'InboundSourcePage');
