// Owns how an HR file becomes members: rows read from the stored file in pages of 1,000, each committed
// with the row reached, so a run that dies resumes there; then, for a complete export with no failed row,
// the connection's members it does not list are deactivated.
import { type CsvRow, readCsv } from '../../core/files/csv.ts';
import type { MemberInput } from '../../core/members/service.ts';
import type { FileContext } from '../framework/connector.ts';
import { type PersonRecord, upsertPeople } from '../framework/member-pages.ts';
import type { HrFileConfig } from './config.ts';

type Context = FileContext<HrFileConfig, Record<string, never>>;
// Rows committed so far, and how many of them failed (a complete export with failures deactivates no one).
type Cursor = { row: number; failed: number } | null;

const PAGE = 1000;

const text = (value: string | undefined) => (value === undefined || value === '' ? null : value);

function memberOf(config: HrFileConfig, fields: Record<string, string>): MemberInput {
  const { columns, status } = config;
  return {
    ...(columns.name && { name: text(fields[columns.name]) }),
    ...(columns.email && { email: text(fields[columns.email])?.toLowerCase() ?? null }),
    ...(columns.phone && { phone: text(fields[columns.phone]) }),
    attributes: Object.fromEntries(
      Object.entries(config.attributes).map(([name, column]) => [name, text(fields[column])]),
    ),
    status: status?.inactive.includes(fields[status.column] ?? '') ? 'inactive' : 'active',
  };
}

function personOf(config: HrFileConfig, row: CsvRow): PersonRecord {
  const id = `row ${row.row}`;
  if ('error' in row) return { id, error: row.error };
  const externalRef = text(row.fields[config.columns.externalRef]);
  if (!externalRef)
    return { id, error: { code: 'member_ref_missing', message: `${config.columns.externalRef} is empty` } };
  return { id: externalRef, upsert: { externalRef, input: memberOf(config, row.fields) } };
}

const writerOf = (ctx: Context) => ({ tenantId: ctx.connection.tenantId, actor: null });

async function commitRows(ctx: Context, rows: CsvRow[], cursor: NonNullable<Cursor>) {
  const people = rows.map((row) => personOf(ctx.connection.config, row));
  await ctx.commitPage(async (trx) => {
    const result = await upsertPeople(trx, writerOf(ctx), people, {
      connectionId: ctx.connection.id,
      fileId: ctx.file.id,
    });
    cursor.failed += result.counts.failed;
    cursor.row = (rows.at(-1) as CsvRow).row;
    return { cursor: { ...cursor }, ...result };
  });
}

async function absentMembers(ctx: Context): Promise<string[]> {
  const { rows } = await ctx.db.raw(
    `SELECT m.external_ref AS ref FROM connection_members cm JOIN members m ON m.id = cm.member_id
      WHERE cm.connection_id = ? AND cm.last_file_id IS DISTINCT FROM ? AND m.status = 'active'
      ORDER BY m.external_ref LIMIT ?`,
    [ctx.connection.id, ctx.file.id, PAGE],
  );
  return rows.map((row: { ref: string }) => row.ref);
}

// Pages of absent members turned inactive; a page where one could not be stops here, so that a member
// the database refuses is not tried forever.
async function deactivateAbsent(ctx: Context, cursor: NonNullable<Cursor>) {
  for (;;) {
    const absent = await absentMembers(ctx);
    if (absent.length === 0) return;
    let failed = 0;
    await ctx.commitPage(async (trx) => {
      const people = absent.map((ref) => ({
        id: ref,
        upsert: { externalRef: ref, input: { status: 'inactive' as const } },
      }));
      const result = await upsertPeople(trx, writerOf(ctx), people, { connectionId: ctx.connection.id });
      failed = result.counts.failed;
      return { cursor, counts: { ...result.counts, fetched: 0 }, errors: result.errors };
    });
    if (failed) return;
  }
}

export async function takeHrFile(ctx: Context) {
  const { config } = ctx.connection;
  const cursor = { row: 0, failed: 0, ...(ctx.connection.cursor as Cursor) };
  const done = cursor.row;
  let page: CsvRow[] = [];
  for await (const row of readCsv(ctx.file.chunks(), { required: [config.columns.externalRef] })) {
    if (row.row <= done) continue;
    page.push(row);
    if (page.length === PAGE) {
      await commitRows(ctx, page, cursor);
      page = [];
    }
  }
  if (page.length) await commitRows(ctx, page, cursor);
  if (!ctx.file.complete) return;
  if (cursor.failed === 0) return deactivateAbsent(ctx, cursor);
  const message = `${cursor.failed} rows failed, so members missing from this complete file were not deactivated`;
  await ctx.commitPage(async () => ({
    cursor,
    counts: {},
    errors: [{ record: null, code: 'absence_skipped', message }],
  }));
}
