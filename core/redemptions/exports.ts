// Owns redemption exports: profiles that name the fields a file may hold (built in: finance,
// compliance, partner; or a tenant's own), files streamed as formula-safe CSV or NDJSON page by page
// (no field outside the profile is ever read into them, and a partner key gets only its own rows), and
// the monthly reconciliation export, stored in chunks for download.
import { Readable } from 'node:stream';
import { recordAudit } from '../audit/log.ts';
import type { Database, Queryable, Transaction } from '../db/database.ts';
import { domainError, notFound } from '../errors.ts';
import { safeCsvLine } from '../files/csv.ts';
import type { Actor, Scope } from '../tenancy/scope.ts';

// Each field an export may hold, and the column it is read from.
export const FIELDS = {
  redemptionId: 'r.id',
  offer: 'o.name',
  offerId: 'r.offer_id',
  partner: 'p.name',
  partnerId: 'r.partner_id',
  amount: 'r.amount',
  date: 'to_char(r.occurred_at AT TIME ZONE \'UTC\', \'YYYY-MM-DD"T"HH24:MI:SS"Z"\')',
  channel: 'r.channel',
  tier: 'r.tier_token',
  validationMethod: 'r.validation_method',
  status: 'r.status',
  storeId: 'r.store_id',
  location: 'r.location',
  memberRef: 'r.member_ref',
} as const;
export type Field = keyof typeof FIELDS;

export const BUILT_IN: Record<string, Field[]> = {
  finance: ['offer', 'partner', 'amount', 'date'],
  compliance: ['offer', 'partner', 'amount', 'date', 'validationMethod', 'status'],
  partner: ['offer', 'amount', 'date', 'channel', 'storeId', 'status'],
};

const PAGE = 5_000;

export async function createProfile(
  trx: Transaction,
  actor: Actor,
  input: { name: string; fields: Field[] },
) {
  if (BUILT_IN[input.name]) throw domainError(409, 'profile_exists', `"${input.name}" is a built-in profile`);
  const [row] = await trx('exportProfiles')
    .insert({ tenantId: actor.scope.tenantId, name: input.name, fields: input.fields })
    .onConflict(['tenantId', 'name'])
    .ignore()
    .returning(['id', 'name', 'fields', 'createdAt']);
  if (!row) throw domainError(409, 'profile_exists', `A profile named "${input.name}" exists`);
  await recordAudit(trx, actor, {
    action: 'export_profile.created',
    entityType: 'export_profile',
    entityId: row.id,
    summary: `Export profile "${input.name}": ${input.fields.join(', ')}`,
  });
  return row;
}

export async function listProfiles(db: Queryable, scope: Scope) {
  const own = await db('exportProfiles')
    .where({ tenantId: scope.tenantId })
    .orderBy('name')
    .select('name', 'fields');
  return {
    data: [
      ...Object.entries(BUILT_IN).map(([name, fields]) => ({ name, fields, builtIn: true })),
      ...own.map((row: { name: string; fields: Field[] }) => ({ ...row, builtIn: false })),
    ],
  };
}

export async function profileFields(db: Queryable, scope: Scope, name: string): Promise<Field[]> {
  const builtIn = BUILT_IN[name];
  if (builtIn) return builtIn;
  const row = await db('exportProfiles').where({ tenantId: scope.tenantId, name }).first('fields');
  if (!row) throw domainError(404, 'profile_not_found', `No export profile named "${name}"`);
  return row.fields;
}

export interface ExportQuery {
  profile: string;
  format: 'csv' | 'ndjson';
  from?: Date;
  to?: Date;
  partnerId?: string;
}

// The rows of one page, with only the profile's fields, after the last id of the page before.
function page(db: Queryable, scope: Scope, fields: Field[], query: ExportQuery, after: string | null) {
  const partnerId = scope.role === 'partner' ? scope.partnerId : query.partnerId;
  return db('redemptions as r')
    .join('offers as o', 'o.id', 'r.offerId')
    .join('partners as p', 'p.id', 'r.partnerId')
    .where('r.tenantId', scope.tenantId)
    .modify((q) => {
      if (partnerId) q.where('r.partnerId', partnerId);
      if (query.from) q.where('r.occurredAt', '>=', query.from);
      if (query.to) q.where('r.occurredAt', '<', query.to);
      if (after) q.where('r.id', '>', after);
    })
    .orderBy('r.id')
    .limit(PAGE)
    .select(
      'r.id as cursor',
      ...fields.map((field) => db.raw(`${FIELDS[field]} AS ??`, [`f_${field}`])),
    ) as Promise<Array<Record<string, unknown>>>;
}

function line(format: 'csv' | 'ndjson', fields: Field[], row: Record<string, unknown>) {
  const values = fields.map(
    (field) => row[`f${field[0].toUpperCase()}${field.slice(1)}`] as string | number | null,
  );
  if (format === 'csv') return safeCsvLine(values);
  return `${JSON.stringify(Object.fromEntries(fields.map((field, i) => [field, values[i]])))}\n`;
}

// The file page by page, each page one chunk with its row count: a header for CSV, then one line per
// redemption. A million rows are 200 writes, not a million.
async function* exportPages(db: Queryable, scope: Scope, fields: Field[], query: ExportQuery) {
  if (query.format === 'csv') yield { text: safeCsvLine(fields), rows: 0 };
  let after: string | null = null;
  for (;;) {
    const rows = await page(db, scope, fields, query, after);
    if (rows.length)
      yield { text: rows.map((row) => line(query.format, fields, row)).join(''), rows: rows.length };
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1].cursor as string;
  }
}

export async function* exportLines(db: Queryable, scope: Scope, fields: Field[], query: ExportQuery) {
  for await (const chunk of exportPages(db, scope, fields, query)) yield chunk.text;
}

export async function exportStream(db: Queryable, scope: Scope, query: ExportQuery) {
  if (query.profile === 'partner' && scope.role !== 'partner' && !query.partnerId)
    throw domainError(400, 'partner_required', 'The partner profile exports one partner: give partnerId');
  const fields = await profileFields(db, scope, query.profile);
  return Readable.from(exportLines(db, scope, fields, query), { objectMode: false });
}

// The month before `now`, as [from, to) in UTC.
export function lastMonth(now = new Date()) {
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const from = new Date(Date.UTC(to.getUTCFullYear(), to.getUTCMonth() - 1, 1));
  return { from, to };
}

const CHUNK = 1 << 20;

// The month's reconciliation for one tenant (finance profile, CSV), written in 1 MiB chunks, once: a
// second run for the same month finds it made.
async function reconcileTenant(db: Database, tenantId: string, period: { from: Date; to: Date }) {
  const scope: Scope = { tenantId, keyId: 'reconciliation', role: 'admin', partnerId: null };
  return db.transaction(async (trx) => {
    const [made] = await trx('exports')
      .insert({
        tenantId,
        kind: 'reconciliation',
        profile: 'finance',
        format: 'csv',
        periodFrom: period.from,
        periodTo: period.to,
      })
      .onConflict(['tenantId', 'kind', 'periodFrom'])
      .ignore()
      .returning('id');
    if (!made) return 0;
    let buffered: string[] = [];
    let size = 0;
    let seq = 0;
    let rows = 0;
    let bytes = 0;
    const flush = async () => {
      const data = Buffer.from(buffered.join(''));
      buffered = [];
      size = 0;
      if (!data.length) return;
      bytes += data.length;
      await trx('exportChunks').insert({ exportId: made.id, seq: seq++, data });
    };
    for await (const { text, rows: count } of exportPages(trx, scope, BUILT_IN.finance, {
      profile: 'finance',
      format: 'csv',
      ...period,
    })) {
      buffered.push(text);
      size += text.length;
      rows += count;
      if (size >= CHUNK) await flush();
    }
    await flush();
    await trx('exports').where({ id: made.id }).update({ rows, bytes });
    return 1;
  });
}

export async function reconcileLastMonth(db: Database, now = new Date()) {
  const period = lastMonth(now);
  const tenants = await db('tenants').select('id');
  let made = 0;
  for (const { id } of tenants) made += await reconcileTenant(db, id, period);
  return { made };
}

export async function listExports(db: Queryable, scope: Scope) {
  const rows = await db('exports')
    .where({ tenantId: scope.tenantId })
    .orderBy('createdAt', 'desc')
    .select('id', 'kind', 'profile', 'format', 'periodFrom', 'periodTo', 'rows', 'bytes', 'createdAt');
  return {
    data: rows.map((row: { rows: string; bytes: string }) => ({
      ...row,
      rows: Number(row.rows),
      bytes: Number(row.bytes),
    })),
  };
}

// A stored export's file, chunk by chunk.
export async function exportFile(db: Queryable, scope: Scope, id: string) {
  const row = await db('exports').where({ tenantId: scope.tenantId, id }).first('id', 'format');
  if (!row) throw notFound('Export');
  async function* chunks() {
    for (let seq = 0; ; seq++) {
      const chunk = await db('exportChunks').where({ exportId: id, seq }).first('data');
      if (!chunk) return;
      yield chunk.data as Buffer;
    }
  }
  return { format: row.format as 'csv' | 'ndjson', stream: Readable.from(chunks(), { objectMode: false }) };
}
