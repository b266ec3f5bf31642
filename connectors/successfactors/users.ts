// Owns the User sync: every user, inactive ones included (a query without a status filter returns only
// active users), oldest change first, paged by the server's `__next` links; a delta run takes the users
// changed after the cursor. Each page is upserted into members and committed with the cursor, so a run
// that dies resumes where it stopped.
import type { MemberInput } from '../../core/members/service.ts';
import type { SyncContext } from '../framework/connector.ts';
import { type PersonRecord, upsertPeople } from '../framework/member-pages.ts';
import { connect, type ODataPage } from './client.ts';
import type { SuccessFactorsConfig, SuccessFactorsCredentials } from './config.ts';

type Cursor = { lastModified?: string } | null;

// OData v2 JSON dates: /Date(1577836800000)/ or /Date(1577836800000+0000)/, milliseconds in UTC.
export function odataDate(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const match = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/.exec(value);
  return match ? new Date(Number(match[1])) : null;
}

// A date with no time of day (a hire date, a birthday) is kept as YYYY-MM-DD.
function attributeValue(value: unknown): unknown {
  const date = odataDate(value);
  if (!date) return value ?? null;
  const iso = date.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
}

const encode = (value: string) => encodeURIComponent(value).replace(/'/g, '%27');

export function firstPageUrl(config: SuccessFactorsConfig, since: string | null): string {
  const select = new Set([
    'userId',
    'status',
    'lastModifiedDateTime',
    ...Object.values(config.fields).filter((field): field is string => Boolean(field)),
    ...Object.values(config.attributes),
    ...config.select,
  ]);
  const filter = [
    "status in 't','f','T','F'",
    ...(since ? [`lastModifiedDateTime gt datetimeoffset'${since}'`] : []),
  ].join(' and ');
  const query = [
    '$format=json',
    `$select=${encode([...select].join(','))}`,
    `$filter=${encode(filter)}`,
    `$orderby=${encode('lastModifiedDateTime asc,userId asc')}`,
  ].join('&');
  return `${new URL('/odata/v2/User', config.apiServer)}?${query}`;
}

const text = (value: unknown) =>
  value === null || value === undefined || value === '' ? null : String(value);

function memberOf(config: SuccessFactorsConfig, user: Record<string, unknown>): MemberInput {
  const { fields } = config;
  const status = text(user.status)?.toLowerCase();
  return {
    ...(fields.name && { name: text(user[fields.name]) }),
    ...(fields.email && { email: text(user[fields.email])?.toLowerCase() ?? null }),
    ...(fields.phone && { phone: text(user[fields.phone]) }),
    attributes: Object.fromEntries(
      Object.entries(config.attributes).map(([name, property]) => [name, attributeValue(user[property])]),
    ),
    ...(status === 't' || status === 'f' ? { status: status === 't' ? 'active' : 'inactive' } : {}),
  };
}

const peopleOf = (config: SuccessFactorsConfig, users: ODataPage['results']): PersonRecord[] =>
  users.map((user) => {
    const id = text(user.userId);
    const externalRef = text(user[config.fields.externalRef]);
    if (!externalRef)
      return { id, error: { code: 'member_ref_missing', message: `${config.fields.externalRef} is empty` } };
    return { id, upsert: { externalRef, input: memberOf(config, user) } };
  });

// The cursor after a page: its newest change, less a millisecond while more pages follow, so that users
// changed in the same millisecond on the next page are read again after a crash, not skipped.
function watermark(users: ODataPage['results'], more: boolean, before: Cursor): Cursor {
  const newest = Math.max(...users.map((user) => odataDate(user.lastModifiedDateTime)?.getTime() ?? 0));
  const previous = before?.lastModified ? Date.parse(before.lastModified) : 0;
  const next = Math.max(previous, more ? newest - 1 : newest);
  return next > 0 ? { lastModified: new Date(next).toISOString() } : before;
}

export async function syncUsers(ctx: SyncContext<SuccessFactorsConfig, SuccessFactorsCredentials>) {
  const { config } = ctx.connection;
  const client = await connect(ctx.connection, ctx.http);
  const writer = { tenantId: ctx.connection.tenantId, actor: null };
  let page = await client.get(firstPageUrl(config, (ctx.connection.cursor as Cursor)?.lastModified ?? null));
  for (;;) {
    const users = page.results;
    // The next page is fetched while this one commits.
    const next = page.next ? client.get(page.next) : null;
    next?.catch(() => {}); // awaited below; a commit that fails first must not leave it unhandled
    await ctx.commitPage(async (trx) => ({
      cursor: watermark(users, next !== null, ctx.connection.cursor as Cursor),
      ...(await upsertPeople(trx, writer, peopleOf(config, users), { connectionId: ctx.connection.id })),
    }));
    if (!next) break;
    page = await next;
  }
}
