// Owns the Joi schema of an event as the outbox's readers answer it.
import Joi from 'joi';
import { pageOf } from '../paging.ts';
import { nullable } from '../payloads.ts';

export const eventAnswer = Joi.object({
  id: Joi.string().required(),
  cursor: Joi.string().required().description('resume after this event with ?after='),
  type: Joi.string().required(),
  subject: nullable(Joi.string()),
  data: Joi.object().unknown(true).required(),
  createdAt: Joi.date().required(),
}).label('Event');

export const eventPage = pageOf(eventAnswer, 'EventPage');
