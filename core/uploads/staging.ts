// Owns staging an upload's rows in PostgreSQL with COPY (rows stream through and are never held): each
// with its file values and the errors it has on its own. A row too many ends the upload with 413.
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { Transaction } from '../db/database.ts';
import { domainError } from '../errors.ts';
import { checkRow, type RowError, type RowValues } from './columns.ts';

export type StagedRow = { row: number; values: RowValues; errors: RowError[] };

const COPY = `COPY upload_rows (upload_id, row, row_key, member_ref, name, email, phone, channel, campaign,
  points, denomination, note, status, errors) FROM STDIN WITH (FORMAT csv)`;

// COPY's CSV: an unquoted empty field is NULL, a quoted one the text as written.
const field = (value: string | number | null) =>
  value === null ? '' : `"${String(value).replaceAll('"', '""')}"`;

function lineOf(uploadId: string, { row, values, errors }: StagedRow): string {
  return `${[
    uploadId,
    row,
    values.rowKey,
    values.memberRef,
    values.name,
    values.email?.toLowerCase() ?? null,
    values.phone,
    values.channel,
    values.campaignId,
    values.points,
    values.denomination,
    values.note,
    errors.length ? 'invalid' : 'pending',
    JSON.stringify(errors),
  ]
    .map(field)
    .join(',')}\n`;
}

// A row read from a file or a request, with its own checks.
export const stagedRow = (row: number, values: RowValues, readError?: RowError): StagedRow => ({
  row,
  values,
  errors: readError ? [readError] : checkRow(values),
});

// Stages the rows on the transaction's own connection; answers how many there were. `before` rows were
// staged already, for the limit's message.
export async function stageRows(
  trx: Transaction,
  uploadId: string,
  rows: AsyncIterable<StagedRow> | Iterable<StagedRow>,
  maxRows: number,
  before = 0,
): Promise<number> {
  const connection = (await trx.client.acquireConnection()) as {
    query: (stream: ReturnType<typeof copyFrom>) => ReturnType<typeof copyFrom>;
  };
  const copy = connection.query(copyFrom(COPY));
  let count = 0;
  try {
    for await (const row of rows) {
      if (++count > maxRows)
        throw domainError(413, 'too_many_rows', `An upload may hold at most ${maxRows + before} rows`, [
          { maxRows: maxRows + before },
        ]);
      if (!copy.write(lineOf(uploadId, row))) await once(copy, 'drain');
    }
  } catch (error) {
    copy.destroy(error as Error);
    await finished(copy).catch(() => {});
    throw error;
  }
  copy.end();
  await finished(copy);
  return count;
}
