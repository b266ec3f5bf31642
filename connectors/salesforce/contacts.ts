// Owns the contact (or lead) sync: SOQL incremental on SystemModstamp, paged with queryMore, each page
// upserted into members and committed with its cursor, so a run that dies resumes after its last page.
import type { Record as SalesforceRecord } from 'jsforce';
import type { MemberInput } from '../../core/members/service.ts';
import { upsertMember } from '../../core/members/service.ts';
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

export async function syncContacts(ctx: SyncContext<SalesforceConfig, SalesforceCredentials>) {
  const contacts = ctx.connection.config.contacts as Contacts;
  const api = await connect(ctx.connection);
  const since = (ctx.connection.cursor as { systemModstamp?: string } | null)?.systemModstamp ?? null;
  let page = await api.query<SalesforceRecord>(contactQuery(contacts, since), { autoFetch: false });
  for (;;) {
    const records = page.records;
    await ctx.commitPage(async (trx) => {
      const counts: Required<Counts> = {
        fetched: records.length,
        created: 0,
        updated: 0,
        unchanged: 0,
        failed: 0,
      };
      const errors: RecordError[] = [];
      const writer = { tenantId: ctx.connection.tenantId, actor: null };
      for (const record of records) {
        const ref = text(record[contacts.fields.externalRef]);
        if (!ref) {
          counts.failed += 1;
          errors.push({
            record: text(record.Id),
            code: 'member_ref_missing',
            message: `${contacts.fields.externalRef} is empty`,
          });
          continue;
        }
        try {
          const result = await trx.transaction((savepoint) =>
            upsertMember(savepoint, writer, ref, memberOf(contacts, record)),
          );
          counts[result.created ? 'created' : result.changed ? 'updated' : 'unchanged'] += 1;
        } catch (error) {
          counts.failed += 1;
          errors.push({
            record: text(record.Id),
            code: 'member_rejected',
            message: (error as Error).message.slice(0, 300),
          });
        }
      }
      const last = records.at(-1);
      return {
        cursor: last ? { systemModstamp: text(last.SystemModstamp) } : ctx.connection.cursor,
        counts,
        errors,
      };
    });
    if (page.done || !page.nextRecordsUrl) break;
    page = await api.queryMore<SalesforceRecord>(page.nextRecordsUrl);
  }
}
