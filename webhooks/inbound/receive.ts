// Owns receiving one signed inbound webhook: verify it over the raw body, then take its events in once
// per webhook-id. A redelivered webhook-id is answered with what the first delivery got. A source that
// belongs to a connection has its body read by that connection's connector (a POS feed's transactions).
import type { Database, Transaction } from '../../core/db/database.ts';
import { domainError, validationFailed } from '../../core/errors.ts';
import { inboundBody } from '../../core/intake/schema.ts';
import {
  type InboundParser,
  type ParsedInbound,
  type SourceEventInput,
  takeIn,
} from '../../core/intake/service.ts';
import { isUuid } from '../../core/payloads.ts';
import { verifySigned } from '../signing.ts';
import { InboundDelivery, InboundSource } from './model.ts';
import { countRejection } from './sources.ts';

export interface InboundRequest {
  sourceId: string;
  webhookId: string | undefined;
  timestamp: string | undefined;
  signatures: string | undefined;
  body: Buffer;
}

export interface InboundAnswer {
  status: number;
  body: unknown;
  replayed: boolean;
}

const MESSAGES = {
  signature_missing: 'The webhook-id, webhook-timestamp and webhook-signature headers are required',
  timestamp_stale: 'The webhook-timestamp is outside the accepted window; check the sender’s clock',
  signature_invalid: 'The signature does not match this source’s secret',
};

async function verified(db: Database, request: InboundRequest, toleranceSeconds: number) {
  const source = isUuid(request.sourceId)
    ? await InboundSource.query(db).findById(request.sourceId)
    : undefined;
  // An unknown source is answered like a bad signature, so that ids cannot be probed.
  const failure = source
    ? verifySigned(
        source.secret,
        {
          id: request.webhookId,
          timestamp: request.timestamp,
          signatures: request.signatures,
          body: request.body,
        },
        toleranceSeconds,
      )
    : 'signature_invalid';
  if (failure) {
    if (source) await countRejection(db, source.id, failure);
    throw domainError(401, `inbound_${failure}`, MESSAGES[failure]);
  }
  return source as InboundSource;
}

type InboundEvent = Omit<SourceEventInput, 'source' | 'sourceEventId'> & { sourceEventId?: string };

function parseBody(body: Buffer): { events: InboundEvent[]; batch: boolean } {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw domainError(400, 'malformed_json', 'The request body is not valid JSON');
  }
  const { error, value } = inboundBody.validate(json, { abortEarly: false, convert: true });
  if (error) throw validationFailed(error.details);
  const batch = Array.isArray((value as { events?: unknown }).events);
  return { events: batch ? value.events : [value], batch };
}

async function takeInAll(
  trx: Transaction,
  source: InboundSource,
  webhookId: string,
  parsed: ReturnType<typeof parseBody>,
) {
  const results = [];
  for (const [index, event] of parsed.events.entries()) {
    const sourceEventId = event.sourceEventId ?? (parsed.batch ? `${webhookId}:${index}` : webhookId);
    const { event: stored } = await takeIn(
      trx,
      { tenantId: source.tenantId, actor: null, inboundSourceId: source.id },
      { ...event, source: source.name, sourceEventId },
    );
    results.push(stored);
  }
  return parsed.batch ? { events: results } : results[0];
}

async function takeInParsed(trx: Transaction, source: InboundSource, parsed: ParsedInbound) {
  const intake = { tenantId: source.tenantId, actor: null, inboundSourceId: source.id };
  const results = [];
  for (const item of parsed.items) {
    if ('skipped' in item) {
      results.push({ key: item.key, skipped: item.skipped, events: [] });
      continue;
    }
    const events = [];
    for (const event of item.events) events.push((await takeIn(trx, intake, event)).event);
    results.push({ key: item.key, events });
  }
  return parsed.batch ? { transactions: results } : results[0];
}

// A connection's source is read by its connector; any other by Tessera's own event shape.
async function reader(source: InboundSource, request: InboundRequest, parse: InboundParser | undefined) {
  const webhookId = request.webhookId as string;
  if (!source.connectionId) {
    const parsed = parseBody(request.body);
    return (trx: Transaction) => takeInAll(trx, source, webhookId, parsed);
  }
  if (!parse) throw new Error('no connector reads inbound requests in this process');
  const parsed = await parse(source.connectionId, request.body);
  return (trx: Transaction) => takeInParsed(trx, source, parsed);
}

export async function receiveInbound(
  db: Database,
  request: InboundRequest,
  toleranceSeconds: number,
  parse?: InboundParser,
): Promise<InboundAnswer> {
  const source = await verified(db, request, toleranceSeconds);
  const webhookId = request.webhookId as string;
  if (webhookId.length > 255)
    throw domainError(400, 'validation_failed', 'The webhook-id is longer than 255 characters');
  const takeInBody = await reader(source, request, parse);
  return db.transaction(async (trx) => {
    // The claim row makes a concurrent redelivery wait for this one, then read its answer.
    const claimed = await InboundDelivery.query(trx)
      .insert({ sourceId: source.id, webhookId, statusCode: 0, answer: {} })
      .onConflict(['sourceId', 'webhookId'])
      .ignore()
      .returning('createdAt')
      .first();
    if (!claimed?.createdAt) {
      const original = (await InboundDelivery.query(trx).findById([source.id, webhookId])) as InboundDelivery;
      return { status: original.statusCode, body: original.answer, replayed: true };
    }
    const body = await takeInBody(trx);
    await InboundDelivery.query(trx)
      .findById([source.id, webhookId])
      .patch({ statusCode: 200, answer: body });
    await InboundSource.query(trx)
      .findById(source.id)
      .patch({ acceptedCount: trx.raw('accepted_count + 1') as unknown as number });
    return { status: 200, body, replayed: false };
  });
}
