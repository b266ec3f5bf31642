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

type Page = { data: Worker[]; total: number; credentials?: WorkdayCredentials };

// Pages from the committed offset on, each committed with the next offset; the last clears the cursor,
// so the next run is a full one again. Rows are read again whole every run, so an offset past the end
// (the source shrank since the run died) starts over rather than skipping anyone.
async function pageThrough(ctx: Context, fetch: (offset: number) => Promise<Page>) {
  let offset = (ctx.connection.cursor as Cursor)?.offset ?? 0;
  for (;;) {
    let page = await fetch(offset);
    if (offset > 0 && page.data.length === 0) {
      offset = 0;
      page = await fetch(0);
    }
    const end = offset + page.data.length >= page.total || page.data.length === 0;
    await ctx.commitPage(async (trx) => ({
      cursor: end ? null : { offset: offset + page.data.length },
      ...(page.credentials && { credentials: page.credentials }),
      ...(await upsertPeople(trx, writerOf(ctx), peopleOf(ctx.connection.config, page.data), {
        connectionId: ctx.connection.id,
      })),
    }));
    if (end) return;
    offset += page.data.length;
  }
}

async function syncReport(ctx: Context) {
  const rows = await reportRows(ctx.connection, ctx.http);
  await pageThrough(ctx, async (offset) => ({
    data: rows.slice(offset, offset + REPORT_PAGE),
    total: rows.length,
  }));
}

async function syncRest(ctx: Context) {
  const session = await restSession(ctx.connection, ctx.http);
  await pageThrough(ctx, async (offset) => {
    const page = await workersPage(ctx.connection, ctx.http, session, offset);
    // A rotated refresh token goes with the first page committed after it came.
    const credentials = session.rotated ?? undefined;
    session.rotated = null;
    return { ...page, credentials };
  });
}

export const syncWorkers = (ctx: Context) =>
  ctx.connection.config.source === 'rest' ? syncRest(ctx) : syncReport(ctx);
