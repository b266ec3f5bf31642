// Owns the contact (or lead) sync: SOQL incremental on SystemModstamp, paged with queryMore, each page
// upserted into members and committed with its cursor, so a run that dies resumes after its last page.
import type { Record as SalesforceRecord } from 'jsforce';
import type { MemberInput } from '../../core/members/service.ts';
import type { SyncContext } from '../framework/connector.ts';
import { type PersonRecord, upsertPeople } from '../framework/member-pages.ts';
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

// Each record as the member it maps to, or why it cannot be one.
const peopleOf = (contacts: Contacts, records: SalesforceRecord[]): PersonRecord[] =>
  records.map((record) => {
    const id = text(record.Id);
    const externalRef = text(record[contacts.fields.externalRef]);
    if (!externalRef)
      return {
        id,
        error: { code: 'member_ref_missing', message: `${contacts.fields.externalRef} is empty` },
      };
    return { id, upsert: { externalRef, input: memberOf(contacts, record) } };
  });

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
      const result = await upsertPeople(trx, writer, peopleOf(contacts, records), {
        connectionId: ctx.connection.id,
      });
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
