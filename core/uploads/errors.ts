// Owns an upload's row errors as its users read them: a page of {row, column, value, code, message} (one
// per error, rows in order), or every one as a CSV that spreadsheets cannot run as formulas.
import type { Database, Queryable } from '../db/database.ts';
import { safeCsvLine } from '../files/csv.ts';

type ErrorLine = { row: number; column: string | null; value: string | null; code: string; message: string };

const ERRORS = `SELECT r.row, e.value->>'column' AS column, e.value->>'value' AS value, e.value->>'code' AS code,
    e.value->>'message' AS message
  FROM upload_rows r CROSS JOIN LATERAL jsonb_array_elements(r.errors) WITH ORDINALITY AS e(value, n)`;

// The errors of at most `limit` invalid rows after row `after`; `last` is the last row shown when more follow.
export async function errorPage(db: Queryable, uploadId: string, limit: number, after: number) {
  const { rows } = await db.raw(
    `${ERRORS} WHERE r.upload_id = ? AND r.row IN (
       SELECT row FROM upload_rows WHERE upload_id = ? AND status = 'invalid' AND row > ? ORDER BY row LIMIT ?)
     ORDER BY r.row, e.n`,
    [uploadId, uploadId, after, limit + 1],
  );
  const lines = rows as ErrorLine[];
  const rowsSeen = [...new Set(lines.map((line) => line.row))];
  const more = rowsSeen.length > limit;
  const shown = more ? lines.filter((line) => line.row !== rowsSeen[limit]) : lines;
  return { data: shown, last: more ? rowsSeen[limit - 1] : null };
}

const BATCH = 5000;

// Every error, a batch of rows at a time.
export async function* errorCsv(db: Database, uploadId: string): AsyncGenerator<string> {
  yield safeCsvLine(['row', 'column', 'value', 'code', 'message']);
  for (let after = 0; ; ) {
    const page = await errorPage(db, uploadId, BATCH, after);
    for (const line of page.data)
      yield safeCsvLine([line.row, line.column, line.value, line.code, line.message]);
    if (page.last === null) return;
    after = page.last;
  }
}
