// Owns the intake of source events: each stored durably once per (source, sourceEventId), its member
// matched (or created from the event), evaluated by the campaign engine in the same transaction, and
// its outcomes kept so that a redelivery gets the same answer.
import { type EngineMember, evaluateEvent } from '../campaigns/engine.ts';
import type { Queryable, Transaction } from '../db/database.ts';
import { recordEvent } from '../events/outbox.ts';
import type { MemberInput } from '../members/service.ts';
import { findMember, upsertMember } from '../members/service.ts';
import { decodeCursor, isString, type Page, toPage } from '../paging.ts';
import type { Scope, Writer } from '../tenancy/scope.ts';
import { SourceEvent } from './model.ts';

export interface SourceEventInput {
  type: string;
  source: string;
  sourceEventId: string;
  memberRef: string;
  member?: MemberInput;
  occurredAt?: Date;
  data: Record<string, unknown>;
}

// What a connection's connector made of a signed inbound body (a POS feed's transactions): each item with
// the source events it counts as, or why it counts as none. Thrown domain errors answer as they are.
export interface ParsedInbound {
  batch: boolean;
  items: Array<{ key: string; events: SourceEventInput[] } | { key: string; skipped: string }>;
}
export type InboundParser = (connectionId: string, body: Buffer) => Promise<ParsedInbound>;

declare module '@hapi/hapi' {
  interface ServerApplicationState {
    // Reads the signed inbound requests of sources that belong to a connection; set by the connectors.
    inboundParser?: InboundParser;
  }
}

export function presentSourceEvent(row: SourceEvent) {
  return row.toJSON();
}

// Who takes the event in: an API caller, or a tenant's signed inbound source (then named here).
export interface Intake extends Writer {
  inboundSourceId?: string;
}

// `created` is false when this (source, sourceEventId) was taken in before: nothing happens again.
export async function takeIn(
  trx: Transaction,
  intake: Intake,
  input: SourceEventInput,
): Promise<{ created: boolean; event: ReturnType<typeof presentSourceEvent> }> {
  const { tenantId } = intake;
  const known: EngineMember | undefined = await findMember(trx, tenantId, input.memberRef);
  const inserted = await SourceEvent.query(trx)
    .insert({
      tenantId,
      source: input.source,
      sourceEventId: input.sourceEventId,
      type: input.type,
      memberRef: input.memberRef,
      status: known || input.member ? 'accepted' : 'unmatched',
      occurredAt: input.occurredAt ?? (trx.fn.now() as unknown as Date),
      data: input.data,
      inboundSourceId: intake.inboundSourceId ?? null,
    })
    .onConflict(['tenantId', 'source', 'sourceEventId'])
    .ignore()
    .returning('*')
    .first();
  if (!inserted?.id) {
    // The conflicting insert has committed by now (the unique index waited for it), so it is readable.
    const original = (await SourceEvent.query(trx).findOne({
      tenantId,
      source: input.source,
      sourceEventId: input.sourceEventId,
    })) as SourceEvent;
    return { created: false, event: presentSourceEvent(original) };
  }
  const member =
    known ??
    (input.member
      ? ((await upsertMember(trx, intake, input.memberRef, input.member)).member as EngineMember)
      : undefined);
  if (!member) {
    await recordEvent(trx, {
      tenantId,
      type: 'event.unmatched',
      subject: inserted.id,
      data: {
        sourceEventId: inserted.id,
        source: input.source,
        type: input.type,
        memberRef: input.memberRef,
      },
    });
    return { created: true, event: presentSourceEvent(inserted) };
  }
  const outcomes = await evaluateEvent(trx, tenantId, { ...inserted, source: input.source }, member);
  if (outcomes.length === 0) return { created: true, event: presentSourceEvent(inserted) };
  // One UPDATE … RETURNING, where patchAndFetch would read the row back in a second statement.
  const evaluated = (await SourceEvent.query(trx)
    .findById(inserted.id)
    .patch({ outcomes })
    .returning('*')
    .first()) as unknown as SourceEvent;
  return { created: true, event: presentSourceEvent(evaluated) };
}

export interface InboundQuery {
  status?: string;
  source?: string;
  memberRef?: string;
  limit: number;
  cursor?: string;
}

export async function listSourceEvents(db: Queryable, scope: Scope, query: InboundQuery) {
  const after = decodeCursor(query.cursor, isString);
  const rows = await SourceEvent.query(db)
    .where({ tenantId: scope.tenantId })
    .modify((q) => {
      if (query.status) q.where({ status: query.status });
      if (query.source) q.where({ source: query.source });
      if (query.memberRef) q.where({ memberRef: query.memberRef });
      if (after) q.where('id', '<', after);
    })
    .orderBy('id', 'desc')
    .limit(query.limit + 1);
  return toPage(rows, query.limit, presentSourceEvent, (row) => row.id) as Page<unknown>;
}
