// Owns the intake of source events: each stored durably once per (source, sourceEventId), its member
// matched (or created from the event), evaluated by the campaign engine in the same transaction, and
// its outcomes kept so that a redelivery gets the same answer.
import { type EngineMember, evaluateEvent } from '../campaigns/engine.ts';
import type { Database, Transaction } from '../db/database.ts';
import { recordEvent } from '../events/outbox.ts';
import type { MemberInput } from '../members/service.ts';
import { findMember, upsertMember } from '../members/service.ts';
import { decodeCursor, isString, type Page, toPage } from '../paging.ts';
import type { Actor } from '../tenancy/scope.ts';

export interface SourceEventInput {
  type: string;
  source: string;
  sourceEventId: string;
  memberRef: string;
  member?: MemberInput;
  occurredAt?: Date;
  data: Record<string, unknown>;
}

interface SourceEventRow {
  id: string;
  tenantId: string;
  source: string;
  sourceEventId: string;
  type: string;
  memberRef: string;
  status: 'accepted' | 'unmatched';
  occurredAt: Date;
  data: Record<string, unknown>;
  outcomes: unknown[];
  inboundSourceId: string | null;
  receivedAt: Date;
}

export function presentSourceEvent(row: SourceEventRow) {
  const { tenantId: _tenant, inboundSourceId: _via, ...shown } = row;
  return shown;
}

export interface Intake {
  tenantId: string;
  actor: Actor | null;
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
  const [inserted]: SourceEventRow[] = await trx('source_events')
    .insert({
      tenantId,
      source: input.source,
      sourceEventId: input.sourceEventId,
      type: input.type,
      memberRef: input.memberRef,
      status: known || input.member ? 'accepted' : 'unmatched',
      occurredAt: input.occurredAt ?? trx.fn.now(),
      data: JSON.stringify(input.data),
      inboundSourceId: intake.inboundSourceId ?? null,
    })
    .onConflict(['tenantId', 'source', 'sourceEventId'])
    .ignore()
    .returning('*');
  if (!inserted) {
    // The conflicting insert has committed by now (the unique index waited for it), so it is readable.
    const original: SourceEventRow = await trx('source_events')
      .where({ tenantId, source: input.source, sourceEventId: input.sourceEventId })
      .first();
    return { created: false, event: presentSourceEvent(original) };
  }
  const member =
    known ??
    (input.member
      ? ((await upsertMember(trx, intake.actor, tenantId, input.memberRef, input.member))
          .member as EngineMember)
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
  const [evaluated]: SourceEventRow[] = await trx('source_events')
    .where({ id: inserted.id })
    .update({ outcomes: JSON.stringify(outcomes) })
    .returning('*');
  return { created: true, event: presentSourceEvent(evaluated) };
}

export interface InboundQuery {
  status?: string;
  source?: string;
  memberRef?: string;
  limit: number;
  cursor?: string;
}

export async function listSourceEvents(db: Database, tenantId: string, query: InboundQuery) {
  const after = decodeCursor(query.cursor, isString);
  const rows: SourceEventRow[] = await db('source_events')
    .where({ tenantId })
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
