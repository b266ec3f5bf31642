// Owns members (reward recipients): upsert by the source system's reference, lookup and filtered lists.
import { isDeepStrictEqual } from 'node:util';
import { type AuditEntry, recordAudit, recordAudits } from '../audit/log.ts';
import { type Queryable, rowsOf, type Transaction } from '../db/database.ts';
import { notFound } from '../errors.ts';
import { type NewEvent, recordEvents } from '../events/outbox.ts';
import { decodeCursor, isString, type Page, toPage } from '../paging.ts';
import { type Actor, type Scope, type Writer, writerOf } from '../tenancy/scope.ts';
import { Member } from './model.ts';

export interface MemberInput {
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  whatsapp?: string | null;
  preferredChannel?: 'sms' | 'email' | 'whatsapp' | null;
  // BCP 47; messages fall back to English.
  locale?: string | null;
  // Channels the member asked not to be messaged on.
  optOuts?: Array<'sms' | 'email' | 'whatsapp'>;
  country?: string | null;
  tier?: string | null;
  segments?: string[];
  attributes?: Record<string, unknown>;
  // A leaver is inactive: kept, with their history, but earning nothing new.
  status?: MemberStatus;
}

export type MemberStatus = 'active' | 'inactive';

const FIELDS = [
  'name',
  'email',
  'phone',
  'whatsapp',
  'preferredChannel',
  'locale',
  'optOuts',
  'country',
  'tier',
  'segments',
  'attributes',
  'status',
] as const;

// The PIN's hash never leaves the server.
export function presentMember(row: Member) {
  const { pinHash: _p, ...shown } = row.toJSON() as Member & { pinHash?: string | null };
  return shown;
}

function columns(input: MemberInput): Partial<MemberInput> {
  const values: Partial<Record<keyof MemberInput, unknown>> = {};
  for (const field of FIELDS) if (input[field] !== undefined) values[field] = input[field];
  return values as Partial<MemberInput>;
}

function announcement(row: Member, changed: string[] | null) {
  const type = changed ? 'member.updated' : 'member.created';
  const events: NewEvent[] = [
    {
      tenantId: row.tenantId,
      type,
      subject: row.externalRef,
      data: {
        memberRef: row.externalRef,
        tier: row.tier,
        segments: row.segments,
        country: row.country,
        status: row.status,
        ...(changed && { changed }),
      },
    },
  ];
  // A change of status is news of its own, for whoever stops or resumes rewarding the member.
  if (changed?.includes('status'))
    events.push({
      tenantId: row.tenantId,
      type: row.status === 'inactive' ? 'member.deactivated' : 'member.reactivated',
      subject: row.externalRef,
      data: { memberRef: row.externalRef, status: row.status },
    });
  const audit: AuditEntry = {
    action: type,
    entityType: 'member',
    entityId: row.externalRef,
    summary: changed ? `Member updated: ${changed.join(', ')}` : 'Member created',
  };
  return { events, audit };
}

async function announce(trx: Transaction, writer: Writer, row: Member, changed: string[] | null) {
  const { events, audit } = announcement(row, changed);
  await recordEvents(trx, events);
  await recordAudit(trx, writer, audit);
}

const changedFields = (existing: Member, input: MemberInput) =>
  FIELDS.filter((field) => input[field] !== undefined && !isDeepStrictEqual(input[field], existing[field]));

export interface UpsertedMember {
  created: boolean;
  changed: boolean;
  // An existing member's status changed (deactivated or reactivated).
  statusChanged?: boolean;
  member: Member;
}

// Fields left out of the input keep their stored values; null clears a field. The writer is an API
// caller, or a tenant's signed inbound source.
export async function upsertMember(
  trx: Transaction,
  who: Actor | Writer,
  externalRef: string,
  input: MemberInput,
): Promise<UpsertedMember> {
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
  const changed = changedFields(existing, input);
  if (changed.length === 0) return { created: false, changed: false, member: existing };
  const updated = await existing
    .$query(trx)
    .patchAndFetch({ ...columns(input), updatedAt: trx.fn.now() as unknown as Date });
  await announce(trx, writer, updated, changed);
  return { created: false, changed: true, member: updated, statusChanged: changed.includes('status') };
}

export interface MemberUpsert {
  externalRef: string;
  input: MemberInput;
}

// upsertMember for a page of records (a sync, a file) in a fixed number of statements: lock the known
// members, insert the new ones, update the changed ones, then their events and audit entries. Answers
// in the order given; a reference given twice is applied in order, in a later round.
export async function upsertMembers(
  trx: Transaction,
  who: Actor | Writer,
  upserts: MemberUpsert[],
): Promise<UpsertedMember[]> {
  const writer = writerOf(who);
  const results: UpsertedMember[] = new Array(upserts.length);
  let pending = upserts.map((upsert, index) => ({ upsert, index }));
  while (pending.length) {
    const seen = new Set<string>();
    const round = pending.filter(
      ({ upsert }) => !seen.has(upsert.externalRef) && seen.add(upsert.externalRef),
    );
    pending = pending.filter((item) => !round.includes(item));
    const answers = await upsertDistinct(
      trx,
      writer,
      round.map(({ upsert }) => upsert),
    );
    round.forEach(({ index }, position) => {
      results[index] = answers[position];
    });
  }
  return results;
}

async function lockMembers(trx: Transaction, tenantId: string, refs: string[]) {
  const rows = await Member.query(trx)
    .where({ tenantId })
    .whereIn('externalRef', refs)
    .orderBy('externalRef')
    .forUpdate();
  return new Map(rows.map((row) => [row.externalRef, row]));
}

async function upsertDistinct(trx: Transaction, writer: Writer, upserts: MemberUpsert[]) {
  const { tenantId } = writer;
  const known = await lockMembers(
    trx,
    tenantId,
    upserts.map((upsert) => upsert.externalRef),
  );
  // Inserted in one order in every batch, so that two batches wait on each other, never deadlock.
  const fresh = upserts
    .filter((upsert) => !known.has(upsert.externalRef))
    .sort((a, b) => (a.externalRef < b.externalRef ? -1 : a.externalRef > b.externalRef ? 1 : 0));
  const inserted = await insertMembers(trx, tenantId, fresh);
  // A member another transaction inserted since the lock above: locked now, and updated like the rest.
  const raced = fresh.filter((upsert) => !inserted.has(upsert.externalRef));
  if (raced.length) {
    const late = await lockMembers(
      trx,
      tenantId,
      raced.map((upsert) => upsert.externalRef),
    );
    for (const [ref, row] of late) known.set(ref, row);
  }
  const changes = upserts.flatMap((upsert) => {
    const existing = known.get(upsert.externalRef);
    if (!existing || inserted.has(upsert.externalRef)) return [];
    const changed = changedFields(existing, upsert.input);
    return changed.length ? [{ existing, input: upsert.input, changed }] : [];
  });
  const updated = await updateMembers(trx, changes);
  // Announced in the order given, as one upsert after another would have been.
  const changedOf = new Map(changes.map(({ existing, changed }) => [existing.externalRef, changed]));
  const announced = upserts.flatMap(({ externalRef }) => {
    const created = inserted.get(externalRef);
    if (created) return [announcement(created, null)];
    const changed = changedOf.get(externalRef);
    return changed ? [announcement(updated.get(externalRef) as Member, changed)] : [];
  });
  await recordEvents(
    trx,
    announced.flatMap(({ events }) => events),
  );
  await recordAudits(
    trx,
    writer,
    announced.map(({ audit }) => audit),
  );
  return upserts.map((upsert): UpsertedMember => {
    const ref = upsert.externalRef;
    const created = inserted.get(ref);
    if (created) return { created: true, changed: true, member: created };
    const member = updated.get(ref);
    return member
      ? { created: false, changed: true, member, statusChanged: changedOf.get(ref)?.includes('status') }
      : { created: false, changed: false, member: known.get(ref) as Member };
  });
}

// A page of members travels as one JSON parameter, read back by jsonb_to_recordset: a few thousand rows
// bound one value each would cost more to bind than to insert (test/bench/salesforce.bench.ts).
const MEMBER_RECORD = `external_ref text, name text, email text, phone text, whatsapp text,
  preferred_channel text, locale text, opt_outs text[], country text, tier text, segments text[],
  attributes jsonb, status text`;

function memberRecord(externalRef: string, input: MemberInput): Record<string, unknown> {
  return {
    external_ref: externalRef,
    name: input.name,
    email: input.email,
    phone: input.phone,
    whatsapp: input.whatsapp,
    preferred_channel: input.preferredChannel,
    locale: input.locale,
    opt_outs: input.optOuts,
    country: input.country,
    tier: input.tier,
    segments: input.segments,
    attributes: input.attributes,
    status: input.status,
  };
}

const membersOf = (result: { rows: Record<string, unknown>[] }) =>
  new Map(
    rowsOf<Record<string, unknown>>(result).map((row) => [
      row.externalRef as string,
      Member.fromJson(row, { skipValidation: true }),
    ]),
  );

// ON CONFLICT DO NOTHING answers only the rows it inserted: a member raced in by another transaction is
// missing from the answer, and the caller locks and updates it instead.
async function insertMembers(trx: Transaction, tenantId: string, fresh: MemberUpsert[]) {
  if (fresh.length === 0) return new Map<string, Member>();
  const result = await trx.raw(
    `INSERT INTO members (tenant_id, external_ref, name, email, phone, whatsapp, preferred_channel, locale,
       opt_outs, country, tier, segments, attributes, status)
     SELECT CAST(? AS uuid), v.external_ref, v.name, v.email, v.phone, v.whatsapp, v.preferred_channel, v.locale,
       COALESCE(v.opt_outs, '{}'), v.country, v.tier, COALESCE(v.segments, '{}'), COALESCE(v.attributes, '{}'),
       COALESCE(v.status, 'active')
     FROM jsonb_to_recordset(CAST(? AS jsonb)) AS v(${MEMBER_RECORD})
     ON CONFLICT (tenant_id, external_ref) DO NOTHING
     RETURNING *`,
    [tenantId, JSON.stringify(fresh.map(({ externalRef, input }) => memberRecord(externalRef, input)))],
  );
  return membersOf(result);
}

// Each changed member's row as merged here (the rows are locked), written whole.
async function updateMembers(
  trx: Transaction,
  changes: Array<{ existing: Member; input: MemberInput }>,
): Promise<Map<string, Member>> {
  if (changes.length === 0) return new Map();
  const records = changes.map(({ existing, input }) =>
    memberRecord(existing.externalRef, { ...existing, ...columns(input) }),
  );
  const result = await trx.raw(
    `UPDATE members AS m SET name = v.name, email = v.email, phone = v.phone, whatsapp = v.whatsapp,
       preferred_channel = v.preferred_channel, locale = v.locale, opt_outs = v.opt_outs, country = v.country,
       tier = v.tier, segments = v.segments,
       attributes = v.attributes, status = v.status, updated_at = now()
     FROM jsonb_to_recordset(CAST(? AS jsonb)) AS v(${MEMBER_RECORD})
     WHERE m.tenant_id = CAST(? AS uuid) AND m.external_ref = v.external_ref
     RETURNING m.*`,
    [JSON.stringify(records), changes[0].existing.tenantId],
  );
  return membersOf(result);
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
  status?: MemberStatus;
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
      if (query.status) q.where('status', query.status);
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
