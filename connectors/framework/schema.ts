// Owns the Joi schemas of the connection routes: what they take and what they answer.
import Joi from 'joi';
import { sourceName } from '../../core/intake/schema.ts';
import { pageOf } from '../../core/paging.ts';
import { freeForm, nullable } from '../../core/payloads.ts';
import { validSchedule, validTimeZone } from './schedule.ts';

const schedule = Joi.string()
  .allow(null)
  .custom((value: string | null, helpers) =>
    value === null || validSchedule(value)
      ? value
      : helpers.message({ custom: 'must be a cron expression such as 0 2 * * *' }),
  )
  .description('cron (five fields, or six with seconds); null: runs only when asked');

const timeZone = Joi.string()
  .custom((value: string, helpers) =>
    validTimeZone(value)
      ? value
      : helpers.message({ custom: 'must be an IANA time zone such as Europe/London' }),
  )
  .description('the schedule’s time zone; default UTC');

export const connectionInput = Joi.object({
  type: Joi.string().required(),
  name: sourceName.required().description('unique in the tenant; the `source` of the events it brings in'),
  config: freeForm().default({}),
  credentials: freeForm({ maxDepth: 3 }).description('sealed at rest; never shown again'),
  schedule,
  timeZone,
  status: Joi.string().valid('active', 'paused'),
}).label('ConnectionInput');

export const connectionChange = Joi.object({
  name: sourceName,
  config: freeForm(),
  credentials: freeForm({ maxDepth: 3 }).description('replaces the stored credentials whole'),
  schedule,
  timeZone,
  status: Joi.string().valid('active', 'paused'),
})
  .min(1)
  .label('ConnectionChange');

export const connectionAnswer = Joi.object({
  id: Joi.string().guid().required(),
  type: Joi.string().required(),
  channel: nullable(Joi.string().valid('sms', 'email', 'whatsapp')).description(
    "a message provider's channel: deliveries go through the tenant's one active provider of each",
  ),
  name: Joi.string().required(),
  config: Joi.object().unknown().required(),
  credentials: Joi.object({ set: Joi.boolean().required(), updatedAt: nullable(Joi.date()) })
    .required()
    .label('CredentialsState'),
  schedule: nullable(Joi.string()),
  timeZone: Joi.string().required(),
  status: Joi.string().valid('active', 'paused').required(),
  nextRunAt: nullable(Joi.date()),
  inboundUrl: nullable(Joi.string()).description('where the vendor pushes to (TESSERA_PUBLIC_URL)'),
  createdAt: Joi.date().required(),
  updatedAt: Joi.date().required(),
  inbound: Joi.object({
    id: Joi.string().guid().required(),
    path: Joi.string().required().description('where the vendor posts, signed per Standard Webhooks'),
    secret: nullable(Joi.string()).description('shown once, when the connection is created'),
  })
    .label('ConnectionInbound')
    .description("a POS feed's signed inbound source, registered with the connection"),
}).label('Connection');
export const connectionPage = pageOf(connectionAnswer, 'ConnectionPage');

const count = Joi.number().integer().required();
export const runAnswer = Joi.object({
  id: Joi.string().guid().required(),
  connectionId: Joi.string().guid().required(),
  trigger: Joi.string().valid('schedule', 'manual', 'file', 'push').required(),
  status: Joi.string().valid('queued', 'running', 'succeeded', 'failed').required(),
  queuedAt: Joi.date().required(),
  startedAt: nullable(Joi.date()),
  finishedAt: nullable(Joi.date()),
  counts: Joi.object({
    fetched: count,
    created: count,
    updated: count,
    unchanged: count,
    deactivated: count,
    skipped: count,
    failed: count,
  })
    .required()
    .label('RunCounts'),
  errors: Joi.array()
    .items(
      Joi.object({
        record: nullable(Joi.string()),
        code: Joi.string().required(),
        message: Joi.string().required(),
      }).label('RecordError'),
    )
    .required()
    .description('the first 100'),
  failure: nullable(
    Joi.object({ code: Joi.string().required(), message: Joi.string().required() }).label('RunFailure'),
  ),
}).label('ConnectorRun');
export const runPage = pageOf(runAnswer, 'ConnectorRunPage');

export const checkAnswer = Joi.object({
  ok: Joi.boolean().required(),
  error: Joi.object({ code: Joi.string().required(), message: Joi.string().required() }).label('CheckError'),
}).label('ConnectionCheck');

export const syncAnswer = Joi.object({
  runId: Joi.string().guid().required(),
  status: Joi.string().valid('queued', 'running').required(),
}).label('SyncRequested');

export const fileQuery = Joi.object({
  complete: Joi.boolean()
    .default(false)
    .description(
      'true: a full export; members this connection brought in that it does not list are deactivated',
    ),
});

export const fileAnswer = Joi.object({
  runId: Joi.string().guid().required().description('the run that reads this file'),
  fileId: Joi.string().guid().required(),
  status: Joi.string().valid('queued').required(),
  bytes: Joi.number().integer().required(),
  sha256: Joi.string().hex().length(64).required(),
  complete: Joi.boolean().required(),
}).label('FileReceived');
