// Owns the Joi shape of a source event, shared by POST /v1/events and signed inbound webhooks.
import Joi from 'joi';
import { outcomeAnswer } from '../campaigns/schema.ts';
import { eventType } from '../events/types.ts';
import { memberFields, memberRef } from '../members/schema.ts';
import { pageOf } from '../paging.ts';
import { freeForm } from '../payloads.ts';

const CLOCK_SKEW_MS = 5 * 60_000;

const notInTheFuture = (value: Date, helpers: Joi.CustomHelpers) =>
  value.getTime() > Date.now() + CLOCK_SKEW_MS
    ? helpers.message({ custom: '{{#label}} must not be in the future' })
    : value;

const fields = {
  type: eventType.required().description('what happened, e.g. pos.visit, crm.deal_closed, hr.anniversary'),
  sourceEventId: Joi.string().min(1).max(200).description("the event's id in the source system"),
  memberRef: memberRef.required(),
  member: memberFields.description('creates the member when Tessera does not know it yet'),
  occurredAt: Joi.date().iso().custom(notInTheFuture).description('when it happened; default now'),
  data: freeForm().default({}),
};

// The name of a sending system: an event's `source`, an inbound source's or a connection's name.
export const sourceName = Joi.string().pattern(/^[A-Za-z0-9._:-]{1,100}$/);

export const sourceEvent = Joi.object({
  ...fields,
  source: sourceName.required().description('the sending system, e.g. pos-north or salesforce'),
  sourceEventId: fields.sourceEventId.required(),
}).label('SourceEvent');

// Through an inbound source, the source is the source itself, and the webhook-id names the event when
// the body does not.
const inboundEvent = Joi.object(fields).label('InboundEvent');

export const MAX_BATCH = 500;

export const inboundBody = Joi.alternatives()
  .try(Joi.object({ events: Joi.array().items(inboundEvent).min(1).max(MAX_BATCH).required() }), inboundEvent)
  .match('one')
  .label('InboundBody');

export const sourceEventAnswer = Joi.object({
  id: Joi.string().guid().required(),
  source: Joi.string().required(),
  sourceEventId: Joi.string().required(),
  type: Joi.string().required(),
  memberRef: Joi.string().required(),
  status: Joi.string().valid('accepted', 'unmatched').required(),
  occurredAt: Joi.date().required(),
  data: Joi.object().unknown(true).required(),
  outcomes: Joi.array().items(outcomeAnswer).required().description('one per active campaign listening'),
  receivedAt: Joi.date().required(),
}).label('SourceEventAnswer');

export const sourceEventPage = pageOf(sourceEventAnswer, 'SourceEventPage');

// What a connection's source (a POS feed) answers per record: the source events it counted as, or why none.
const parsedAnswer = Joi.object({
  key: Joi.string().required().description('the record, e.g. <storeId>:<businessDate>:<transactionId>'),
  events: Joi.array().items(sourceEventAnswer).required(),
  skipped: Joi.string().description('void, no_loyalty_id, no_counted_lines'),
}).label('ParsedRecordAnswer');

// What a signed inbound request answers: one event's answer, or each event's in a batch; for a
// connection's source, each record's.
export const inboundAnswer = Joi.alternatives()
  .try(
    sourceEventAnswer,
    Joi.object({ events: Joi.array().items(sourceEventAnswer).required() }).label('SourceEventBatchAnswer'),
    parsedAnswer,
    Joi.object({ transactions: Joi.array().items(parsedAnswer).required() }).label('ParsedBatchAnswer'),
  )
  .label('InboundAnswer');
