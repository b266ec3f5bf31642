// Owns members (reward recipients): upsert by the source system's reference, lookup and filtered lists.
import { isDeepStrictEqual } from 'node:util';
import { recordAudit } from '../audit/log.ts';
import type { Queryable, Transaction } from '../db/database.ts';
import { notFound } from '../errors.ts';
import { recordEvent } from '../events/outbox.ts';
import { decodeCursor, isString, type Page, toPage } from '../paging.ts';
import { type Actor, type Scope, type Writer, writerOf } from '../tenancy/scope.ts';
import { Member } from './model.ts';

export interface MemberInput {
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  whatsapp?: string | null;
  preferredChannel?: 'sms' | 'email' | 'whatsapp' | null;
  country?: string | null;
  tier?: string | null;
  segments?: string[];
  attributes?: Record<string, unknown>;
}

const FIELDS = [
  'name',
  'email',
  'phone',
  'whatsapp',
  'preferredChannel',
  'country',
  'tier',
  'segments',
  'attributes',
] as const;

export function presentMember(row: Member) {
  return row.toJSON();
}

function columns(input: MemberInput): Partial<MemberInput> {
  const values: Partial<Record<keyof MemberInput, unknown>> = {};
  for (const field of FIELDS) if (input[field] !== undefined) values[field] = input[field];
  return values as Partial<MemberInput>;
}

async function announce(trx: Transaction, writer: Writer, row: Member, changed: string[] | null) {
  const type = changed ? 'member.updated' : 'member.created';
  await recordEvent(trx, {
    tenantId: row.tenantId,
    type,
    subject: row.externalRef,
    data: {
      memberRef: row.externalRef,
      tier: row.tier,
      segments: row.segments,
      country: row.country,
      ...(changed && { changed }),
    },
  });
  await recordAudit(trx, writer, {
    action: type,
    entityType: 'member',
    entityId: row.externalRef,
    summary: changed ? `Member updated: ${changed.join(', ')}` : 'Member created',
  });
}

// Fields left out of the input keep their stored values; null clears a field. The writer is an API
// caller, or a tenant's signed inbound source.
export async function upsertMember(
  trx: Transaction,
  who: Actor | Writer,
  externalRef: string,
  input: MemberInput,
): Promise<{ created: boolean; changed: boolean; member: Member }> {
  const writer = writerOf(who);
  const { tenantId } = writer;
  const inserted = await Member.query(trx)
    .insert({ tenantId, externalRef, ...columns(input) })
    .onConflict(['tenantId', 'externalRef'])
    .ignore()
    .returning('*')
    .first();
  if (inserted?.id) {
    await announce(trx, writer, inserted, null);
    return { created: true, changed: true, member: inserted };
  }
  const existing = (await Member.query(trx).findOne({ tenantId, externalRef }).forUpdate()) as Member;
  const changed = FIELDS.filter(
    (field) => input[field] !== undefined && !isDeepStrictEqual(input[field], existing[field]),
  );
  if (changed.length === 0) return { created: false, changed: false, member: existing };
  const updated = await existing
    .$query(trx)
    .patchAndFetch({ ...columns(input), updatedAt: trx.fn.now() as unknown as Date });
  await announce(trx, writer, updated, changed);
  return { created: false, changed: true, member: updated };
}

// The one way another module reads a member: by the source system's reference, within a tenant.
export async function findMember(
  db: Queryable,
  tenantId: string,
  externalRef: string,
): Promise<Member | undefined> {
  return Member.query(db).findOne({ tenantId, externalRef });
}

export async function getMember(db: Queryable, scope: Scope, externalRef: string): Promise<Member> {
  const member = await findMember(db, scope.tenantId, externalRef);
  if (!member) throw notFound('Member');
  return member;
}

export interface MemberQuery {
  segment?: string;
  tier?: string;
  q?: string;
  limit: number;
  cursor?: string;
}

export async function listMembers(db: Queryable, scope: Scope, query: MemberQuery): Promise<Page<unknown>> {
  const after = decodeCursor(query.cursor, isString);
  const rows = await Member.query(db)
    .where({ tenantId: scope.tenantId })
    .modify((q) => {
      if (query.segment) q.whereRaw('segments @> ARRAY[?]::text[]', [query.segment]);
      if (query.tier) q.where('tier', query.tier);
      if (query.q) {
        const like = `%${query.q.replace(/[\\%_]/g, '\\$&')}%`;
        q.where((w) =>
          w.whereILike('name', like).orWhereILike('email', like).orWhereILike('externalRef', like),
        );
      }
      if (after) q.where('id', '>', after);
    })
    .orderBy('id')
    .limit(query.limit + 1);
  return toPage(rows, query.limit, presentMember, (row) => row.id);
}
