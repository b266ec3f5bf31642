// Owns the contact (or lead) sync: SOQL incremental on SystemModstamp, paged with queryMore, each page
// upserted into members and committed with its cursor, so a run that dies resumes after its last page.
import type { Record as SalesforceRecord } from 'jsforce';
import type { Transaction } from '../../core/db/database.ts';
import {
  type MemberInput,
  type MemberUpsert,
  type UpsertedMember,
  upsertMembers,
} from '../../core/members/service.ts';
import type { Writer } from '../../core/tenancy/scope.ts';
import type { Counts, SyncContext } from '../framework/connector.ts';
import type { RecordError } from '../framework/model.ts';
import { connect } from './client.ts';
import type { SalesforceConfig, SalesforceCredentials } from './config.ts';
import { fieldValue } from './outbound-messages.ts';

type Contacts = NonNullable<SalesforceConfig['contacts']>;

// SOQL datetime literals are unquoted ISO 8601 in UTC.
export function contactQuery(contacts: Contacts, since: string | null): string {
  const fields = new Set([
    'Id',
    'SystemModstamp',
    ...Object.values(contacts.fields),
    ...Object.values(contacts.attributes),
  ]);
  const where = since ? ` WHERE SystemModstamp >= ${new Date(since).toISOString()}` : '';
  return `SELECT ${[...fields].join(', ')} FROM ${contacts.object}${where} ORDER BY SystemModstamp, Id`;
}

const text = (value: unknown) => (value === null || value === undefined ? null : String(value));

function memberOf(contacts: Contacts, record: SalesforceRecord): MemberInput {
  const { fields } = contacts;
  const input: MemberInput = {
    name: fields.name ? text(record[fields.name]) : undefined,
    email: fields.email ? (text(record[fields.email])?.toLowerCase() ?? null) : undefined,
    phone: fields.phone ? text(record[fields.phone]) : undefined,
    attributes: Object.fromEntries(
      Object.entries(contacts.attributes).map(([name, field]) => [name, fieldValue(record[field])]),
    ),
  };
  if (fields.tier) input.tier = text(record[fields.tier]);
  return input;
}

type PageResult = { counts: Required<Counts>; errors: RecordError[] };

const tally = (result: PageResult, upserted: UpsertedMember) => {
  result.counts[upserted.created ? 'created' : upserted.changed ? 'updated' : 'unchanged'] += 1;
};

// The page's members in one batch; when the batch is refused (a record the database rejects), each
// record again on its own, so that one bad record fails alone.
async function upsertPage(
  trx: Transaction,
  writer: Writer,
  upserts: Array<MemberUpsert & { id: string | null }>,
  result: PageResult,
) {
  try {
    const answers = await trx.transaction((savepoint) => upsertMembers(savepoint, writer, upserts));
    for (const upserted of answers) tally(result, upserted);
    return;
  } catch {
    // Retried record by record below, to name the record at fault.
  }
  for (const upsert of upserts) {
    try {
      const [upserted] = await trx.transaction((savepoint) => upsertMembers(savepoint, writer, [upsert]));
      tally(result, upserted);
    } catch (error) {
      result.counts.failed += 1;
      result.errors.push({
        record: upsert.id,
        code: 'member_rejected',
        message: (error as Error).message.slice(0, 300),
      });
    }
  }
}

function pageOf(contacts: Contacts, records: SalesforceRecord[]) {
  const result: PageResult = {
    counts: { fetched: records.length, created: 0, updated: 0, unchanged: 0, failed: 0 },
    errors: [],
  };
  const upserts: Array<MemberUpsert & { id: string | null }> = [];
  for (const record of records) {
    const externalRef = text(record[contacts.fields.externalRef]);
    if (externalRef) {
      upserts.push({ id: text(record.Id), externalRef, input: memberOf(contacts, record) });
      continue;
    }
    result.counts.failed += 1;
    result.errors.push({
      record: text(record.Id),
      code: 'member_ref_missing',
      message: `${contacts.fields.externalRef} is empty`,
    });
  }
  return { result, upserts };
}

export async function syncContacts(ctx: SyncContext<SalesforceConfig, SalesforceCredentials>) {
  const contacts = ctx.connection.config.contacts as Contacts;
  const api = await connect(ctx.connection, ctx.http);
  const since = (ctx.connection.cursor as { systemModstamp?: string } | null)?.systemModstamp ?? null;
  const writer = { tenantId: ctx.connection.tenantId, actor: null };
  let page = await api.query<SalesforceRecord>(contactQuery(contacts, since), { autoFetch: false });
  for (;;) {
    const records = page.records;
    // The next page is fetched while this one commits: Salesforce's time and the database's overlap.
    const next =
      page.done || !page.nextRecordsUrl
        ? null
        : Promise.resolve(api.queryMore<SalesforceRecord>(page.nextRecordsUrl));
    next?.catch(() => {}); // awaited below; a commit that fails first must not leave it unhandled
    await ctx.commitPage(async (trx) => {
      const { result, upserts } = pageOf(contacts, records);
      await upsertPage(trx, writer, upserts, result);
      const last = records.at(-1);
      return {
        cursor: last ? { systemModstamp: text(last.SystemModstamp) } : ctx.connection.cursor,
        ...result,
      };
    });
    if (!next) break;
    page = await next;
  }
}
