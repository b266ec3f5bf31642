// Owns the template routes: save one per channel, locale and kind (admin), list them.
import type { ServerRoute } from '@hapi/hapi';
import Joi from 'joi';
import { actorOf, payloadOf, queryOf, scopeOf } from '../http/context.ts';
import { mutate } from '../http/mutation.ts';
import { answers } from '../http/openapi.ts';
import { nullable } from '../payloads.ts';
import {
  listTemplates,
  presentTemplate,
  saveTemplate,
  type TemplateInput,
  templateInput,
} from './templates.ts';

const templateAnswer = Joi.object({
  id: Joi.string().guid().required(),
  channel: Joi.string().required(),
  locale: Joi.string().required(),
  kind: Joi.string().required(),
  subject: nullable(Joi.string()),
  body: nullable(Joi.string()),
  whatsapp: nullable(
    Joi.object({ name: Joi.string(), language: Joi.string(), parameters: Joi.array().items(Joi.string()) }),
  ),
  createdAt: Joi.date().required(),
  updatedAt: Joi.date().required(),
}).label('Template');

export const templateRoutes: ServerRoute[] = [
  {
    method: 'POST',
    path: '/v1/templates',
    options: {
      ...answers('saveTemplate', { 200: templateAnswer, 201: templateAnswer }),
      description: 'Save the template of a channel, locale and kind (201 created, 200 replaced)',
      notes:
        'Mustache: {{name}}, {{reward}}, {{points}}, {{code}}, {{expiry}}, {{campaign}}, {{partner}}, {{otp}}. ' +
        'WhatsApp names an approved template ({name, language}) instead of a body.',
      tags: ['api', 'delivery'],
      auth: { access: { scope: ['admin'] } },
      validate: { payload: templateInput },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => {
        const { row, created } = await saveTemplate(trx, actorOf(request), payloadOf<TemplateInput>(request));
        return { status: created ? 201 : 200, body: presentTemplate(row) };
      }),
  },
  {
    method: 'GET',
    path: '/v1/templates',
    options: {
      ...answers('listTemplates', {
        200: Joi.object({ data: Joi.array().items(templateAnswer) }).label('Templates'),
      }),
      description: "The tenant's templates",
      tags: ['api', 'delivery'],
      auth: { access: { scope: ['admin', 'viewer'] } },
      validate: {
        query: Joi.object({
          channel: Joi.string().valid('sms', 'email', 'whatsapp'),
          locale: Joi.string().max(35),
          kind: Joi.string().valid('points', 'voucher', 'otp'),
        }),
      },
    },
    handler: (request) => listTemplates(request.server.app.db, scopeOf(request), queryOf(request)),
  },
];
