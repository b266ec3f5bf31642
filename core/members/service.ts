// Owns members (reward recipients): upsert by the source system's reference, lookup and filtered lists.
import { isDeepStrictEqual } from 'node:util';
import { recordAudit } from '../audit/log.ts';
import type { Database, Transaction } from '../db/database.ts';
import { notFound } from '../errors.ts';
import { recordEvent } from '../events/outbox.ts';
import { decodeCursor, isString, type Page, toPage } from '../paging.ts';
import type { Actor } from '../tenancy/scope.ts';

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

interface MemberRow extends Required<MemberInput> {
  id: string;
  tenantId: string;
  externalRef: string;
  createdAt: Date;
  updatedAt: Date;
}

export function presentMember(row: MemberRow) {
  const { tenantId: _tenant, ...shown } = row;
  return shown;
}

function columns(input: MemberInput) {
  const values: Record<string, unknown> = {};
  for (const field of FIELDS) {
    if (input[field] === undefined) continue;
    values[field] = field === 'attributes' ? JSON.stringify(input[field]) : input[field];
  }
  return values;
}

async function announce(trx: Transaction, actor: Actor | null, row: MemberRow, changed: string[] | null) {
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
  await recordAudit(trx, actor, row.tenantId, {
    action: type,
    entityType: 'member',
    entityId: row.externalRef,
    summary: changed ? `Member updated: ${changed.join(', ')}` : 'Member created',
  });
}

// Fields left out of the input keep their stored values; null clears a field.
export async function upsertMember(
  trx: Transaction,
  actor: Actor | null,
  tenantId: string,
  externalRef: string,
  input: MemberInput,
): Promise<{ created: boolean; member: MemberRow }> {
  const [inserted] = await trx('members')
    .insert({ tenantId, externalRef, ...columns(input) })
    .onConflict(['tenantId', 'externalRef'])
    .ignore()
    .returning('*');
  if (inserted) {
    await announce(trx, actor, inserted, null);
    return { created: true, member: inserted };
  }
  const existing: MemberRow = await trx('members').where({ tenantId, externalRef }).forUpdate().first();
  const changed = FIELDS.filter(
    (field) => input[field] !== undefined && !isDeepStrictEqual(input[field], existing[field]),
  );
  if (changed.length === 0) return { created: false, member: existing };
  const [updated] = await trx('members')
    .where({ id: existing.id })
    .update({ ...columns(input), updatedAt: trx.fn.now() })
    .returning('*');
  await announce(trx, actor, updated, changed);
  return { created: false, member: updated };
}

export async function getMember(
  db: Database | Transaction,
  tenantId: string,
  externalRef: string,
): Promise<MemberRow> {
  const row = await db('members').where({ tenantId, externalRef }).first();
  if (!row) throw notFound('Member');
  return row;
}

export interface MemberQuery {
  segment?: string;
  tier?: string;
  q?: string;
  limit: number;
  cursor?: string;
}

export async function listMembers(
  db: Database,
  tenantId: string,
  query: MemberQuery,
): Promise<Page<unknown>> {
  const after = decodeCursor(query.cursor, isString);
  const rows = await db('members')
    .where({ tenantId })
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
