// Owns writing issuances back to Salesforce: each fulfilled or failed issuance upserted onto the
// configured object by an External ID holding the issuance id, through composite sObjects (200 a call).
import type { StoredEvent } from '../../core/events/outbox.ts';
import type { WriteBackContext } from '../framework/connector.ts';
import type { RecordError } from '../framework/model.ts';
import { connect } from './client.ts';
import type { SalesforceConfig, SalesforceCredentials } from './config.ts';
import { description } from './description.ts';

interface SaveResult {
  id?: string;
  success: boolean;
  errors?: Array<{ statusCode?: string; errorCode?: string; message: string }>;
}

export async function writeBackIssuances(
  { connection, http }: WriteBackContext<SalesforceConfig, SalesforceCredentials>,
  events: StoredEvent[],
) {
  const perCall = description.limits?.recordsPerCall ?? 200;
  const target = connection.config.writeBack;
  if (!target || events.length === 0) return [];
  // The newest state of each issuance in the batch wins.
  const latest = new Map(events.map((event) => [String(event.data.issuanceId), event]));
  const records = [...latest.values()].map((event) => ({
    [target.externalIdField]: String(event.data.issuanceId),
    ...Object.fromEntries(
      Object.entries(target.fields).map(([field, name]) => [
        field,
        (event.data as Record<string, unknown>)[name] ?? null,
      ]),
    ),
  }));
  const api = await connect(connection, http);
  const failed: RecordError[] = [];
  for (let start = 0; start < records.length; start += perCall) {
    const chunk = records.slice(start, start + perCall);
    const results = (await api.upsert(target.object, chunk, target.externalIdField)) as SaveResult[];
    results.forEach((result, index) => {
      if (result.success) return;
      const error = result.errors?.[0];
      failed.push({
        record: String(chunk[index][target.externalIdField]),
        code: error?.statusCode ?? error?.errorCode ?? 'write_back_failed',
        message: error?.message ?? 'Salesforce did not save the record',
      });
    });
  }
  return failed;
}
