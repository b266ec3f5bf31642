// Owns the worker sync: every run is a full one (RaaS has no paging and no delta; the REST API pages by
// offset until offset + data.length reaches total). Rows become members in pages, each committed with
// the run's position, so a run that dies resumes where it stopped; a rotated refresh token is stored
// with the first page.
import type { MemberInput } from '../../core/members/service.ts';
import type { SyncContext } from '../framework/connector.ts';
import { type PersonRecord, upsertPeople } from '../framework/member-pages.ts';
import { reportRows, restSession, type Worker, workersPage } from './client.ts';
import type { WorkdayConfig, WorkdayCredentials } from './config.ts';

type Context = SyncContext<WorkdayConfig, WorkdayCredentials>;
type Cursor = { offset: number } | null;

// Report rows are committed this many at a time.
const REPORT_PAGE = 1000;

function at(worker: Worker, path: string): unknown {
  let value: unknown = worker;
  for (const key of path.split('.')) value = (value as Record<string, unknown> | null)?.[key];
  return value;
}

const text = (value: unknown) =>
  value === null || value === undefined || value === '' ? null : String(value);

function memberOf(config: WorkdayConfig, worker: Worker): MemberInput {
  const { fields, status } = config;
  return {
    ...(fields.name && { name: text(at(worker, fields.name)) }),
    ...(fields.email && { email: text(at(worker, fields.email))?.toLowerCase() ?? null }),
    ...(fields.phone && { phone: text(at(worker, fields.phone)) }),
    attributes: Object.fromEntries(
      Object.entries(config.attributes).map(([name, path]) => [name, at(worker, path) ?? null]),
    ),
    ...(status && {
      status: status.inactive.includes(String(at(worker, status.field))) ? 'inactive' : 'active',
    }),
  };
}

const peopleOf = (config: WorkdayConfig, workers: Worker[]): PersonRecord[] =>
  workers.map((worker) => {
    const externalRef = text(at(worker, config.fields.externalRef));
    if (!externalRef)
      return {
        id: text(worker.id),
        error: { code: 'member_ref_missing', message: `${config.fields.externalRef} is empty` },
      };
    return { id: externalRef, upsert: { externalRef, input: memberOf(config, worker) } };
  });

const writerOf = (ctx: Context) => ({ tenantId: ctx.connection.tenantId, actor: null });

async function syncReport(ctx: Context) {
  const rows = await reportRows(ctx.connection, ctx.http);
  const start = (ctx.connection.cursor as Cursor)?.offset ?? 0;
  for (let offset = start; offset < rows.length || offset === 0; offset += REPORT_PAGE) {
    const page = rows.slice(offset, offset + REPORT_PAGE);
    const end = offset + page.length >= rows.length;
    await ctx.commitPage(async (trx) => ({
      cursor: end ? null : { offset: offset + page.length },
      ...(await upsertPeople(trx, writerOf(ctx), peopleOf(ctx.connection.config, page))),
    }));
    if (end) break;
  }
}

async function syncRest(ctx: Context) {
  const session = await restSession(ctx.connection, ctx.http);
  let offset = (ctx.connection.cursor as Cursor)?.offset ?? 0;
  for (;;) {
    const page = await workersPage(ctx.connection, ctx.http, session, offset);
    const end = offset + page.data.length >= page.total || page.data.length === 0;
    const rotated = session.rotated;
    session.rotated = null;
    await ctx.commitPage(async (trx) => ({
      cursor: end ? null : { offset: offset + page.data.length },
      ...(rotated && { credentials: rotated }),
      ...(await upsertPeople(trx, writerOf(ctx), peopleOf(ctx.connection.config, page.data))),
    }));
    if (end) break;
    offset += page.data.length;
  }
}

export const syncWorkers = (ctx: Context) =>
  ctx.connection.config.source === 'rest' ? syncRest(ctx) : syncReport(ctx);
