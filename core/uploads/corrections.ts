// Owns corrections: fixed rows, matched by row number or rowKey, replace their staged values and are
// checked again with the rows that were valid (a duplicate or a shortfall may have changed); rows left
// as they were keep their errors.
import type { Request } from '@hapi/hapi';
import { recordAudit } from '../audit/log.ts';
import type { Transaction } from '../db/database.ts';
import { domainError } from '../errors.ts';
import { CsvFileError, readCsv } from '../files/csv.ts';
import { actorOf, scopeOf } from '../http/context.ts';
import { checkRow, valuesOf } from './columns.ts';
import { announce, findUpload, moveUpload, presentUpload, VALIDATE_QUEUE } from './lifecycle.ts';
import { UploadRow } from './model.ts';

type Correction = Record<string, unknown> & { row?: number; rowKey?: string };

async function stagedFor(trx: Transaction, uploadId: string, correction: Correction) {
  const query = UploadRow.query(trx).where({ uploadId });
  const row = await (correction.row !== undefined
    ? query.findOne({ row: correction.row })
    : query.findOne({ rowKey: correction.rowKey as string }));
  if (!row)
    throw domainError(422, 'row_unknown', `No row ${correction.row ?? `with rowKey ${correction.rowKey}`}`, [
      { row: correction.row ?? null, rowKey: correction.rowKey ?? null },
    ]);
  return row;
}

// JSON's rows as sent, or a CSV's (read like every CSV) with its row column as a number.
export async function correctionRows(payload: { rows: Correction[] } | string): Promise<Correction[]> {
  if (typeof payload !== 'string') return payload.rows;
  const rows: Correction[] = [];
  try {
    const body = (async function* () {
      yield Buffer.from(payload);
    })();
    for await (const read of readCsv(body)) {
      if ('error' in read)
        throw domainError(400, read.error.code, `Line ${read.line}: ${read.error.message}`);
      const { row, rowkey, ...fields } = read.fields;
      if ((!row && !rowkey) || (row && !/^[1-9]\d{0,8}$/.test(row)))
        throw domainError(
          400,
          'row_unknown',
          `Line ${read.line}: a correction needs a row number or a rowKey`,
        );
      rows.push({ ...fields, ...(row ? { row: Number(row) } : {}), ...(rowkey ? { rowKey: rowkey } : {}) });
    }
  } catch (error) {
    if (error instanceof CsvFileError) throw domainError(400, error.code, error.message);
    throw error;
  }
  return rows;
}

export async function correctUpload(trx: Transaction, request: Request, id: string, rows: Correction[]) {
  const upload = await findUpload(trx, scopeOf(request), id, true);
  const validating = await moveUpload(trx, upload, 'validating');
  for (const correction of rows) {
    const staged = await stagedFor(trx, id, correction);
    const values = valuesOf({ rowKey: staged.rowKey, ...correction });
    const errors = checkRow(values);
    await UploadRow.query(trx)
      .findById([id, staged.row])
      .patch({
        rowKey: values.rowKey,
        memberRef: values.memberRef,
        name: values.name,
        email: values.email?.toLowerCase() ?? null,
        phone: values.phone,
        channel: values.channel,
        campaign: values.campaignId,
        points: values.points,
        denomination: values.denomination,
        note: values.note,
        campaignId: null,
        memberId: null,
        amount: null,
        status: errors.length ? 'invalid' : 'pending',
        errors,
      });
  }
  await UploadRow.query(trx)
    .where({ uploadId: id, status: 'valid' })
    .patch({ status: 'pending', campaignId: null, memberId: null, amount: null });
  await request.server.app.jobs.enqueue(trx, VALIDATE_QUEUE, [{ data: { uploadId: id }, singletonKey: id }]);
  await recordAudit(trx, actorOf(request), {
    action: 'upload.corrected',
    entityType: 'upload',
    entityId: id,
    summary: `Corrected ${rows.length} rows of an upload`,
  });
  await announce(trx, validating, 'corrected');
  return presentUpload(validating);
}
