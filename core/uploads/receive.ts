// Owns receiving an upload: a CSV file (the body, or a multipart form's `file` part) streamed into
// staging (read with core/files/csv.ts, hashed for its Idempotency-Key), or JSON rows sent in chunks by
// an HR system and closed with `complete`. A received upload is queued for validation in the same
// transaction.
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Request } from '@hapi/hapi';
import busboy from 'busboy';
import Joi from 'joi';
import { recordAudit } from '../audit/log.ts';
import type { Database, Transaction } from '../db/database.ts';
import { domainError, notFound, validationFailed } from '../errors.ts';
import { CsvFileError, readCsv } from '../files/csv.ts';
import { actorOf, mimeOf, queryOf, scopeOf } from '../http/context.ts';
import { storeInTransaction } from '../http/idempotency.ts';
import { claimOrReplay, hashedBody, hashedStream } from '../http/streamed.ts';
import type { Actor } from '../tenancy/scope.ts';
import { valuesOf } from './columns.ts';
import { announce, findUpload, moveUpload, presentUpload, VALIDATE_QUEUE } from './lifecycle.ts';
import { Upload } from './model.ts';
import { type StagedRow, stagedRow, stageRows } from './staging.ts';

export const MAX_JSON_ROWS = 10_000;
export const UPLOAD_TYPES = ['text/csv', 'multipart/form-data', 'application/json'];

const rows = Joi.array().items(Joi.object().unknown(true)).max(MAX_JSON_ROWS).required();
const complete = Joi.boolean().default(false).description('true: no more rows follow; validation starts');

export const jsonUpload = Joi.object({ campaignId: Joi.string().guid(), rows, complete }).label('UploadRows');
export const moreRows = Joi.object({ rows, complete }).label('MoreUploadRows');

async function* csvRows(chunks: AsyncIterable<Buffer>): AsyncGenerator<StagedRow> {
  try {
    for await (const read of readCsv(chunks))
      yield 'error' in read
        ? stagedRow(read.row, valuesOf({}), { column: null, ...read.error })
        : stagedRow(read.row, valuesOf(read.fields));
  } catch (error) {
    if (error instanceof CsvFileError) throw domainError(400, error.code, error.message);
    throw error;
  }
}

async function campaignKnown(trx: Transaction, tenantId: string, campaignId: string | undefined) {
  if (campaignId && !(await trx('campaigns').where({ id: campaignId, tenantId }).first('id')))
    throw notFound('Campaign');
}

async function opened(
  trx: Transaction,
  actor: Actor,
  campaignId: string | undefined,
  format: 'csv' | 'json',
) {
  await campaignKnown(trx, actor.scope.tenantId, campaignId);
  return Upload.query(trx)
    .insert({
      tenantId: actor.scope.tenantId,
      campaignId: campaignId ?? null,
      format,
      uploadedBy: actor.scope.keyId,
    })
    .returning('*');
}

// Received in full: queued for validation, audited.
async function close(trx: Transaction, request: Request, upload: Upload) {
  const validating = await moveUpload(trx, upload, 'validating');
  await request.server.app.jobs.enqueue(trx, VALIDATE_QUEUE, [
    { data: { uploadId: upload.id }, singletonKey: upload.id },
  ]);
  await recordAudit(trx, actorOf(request), {
    action: 'upload.received',
    entityType: 'upload',
    entityId: upload.id,
    summary: `Received an upload of ${validating.rowsRead} rows`,
  });
  await announce(trx, validating, 'received');
  return validating;
}

// A multipart form's part named `file`, as a stream; the other parts are skipped.
function filePart(request: Request): Promise<Readable> {
  return new Promise((resolve, reject) => {
    const form = busboy({ headers: request.headers as IncomingHttpHeaders, limits: { files: 1 } });
    form.on('file', (name, stream) => (name === 'file' ? resolve(stream) : stream.resume()));
    form.once('error', (error) => reject(domainError(400, 'malformed_form', (error as Error).message)));
    form.once('close', () => reject(domainError(400, 'file_missing', 'The form has no part named file')));
    (request.payload as Readable).pipe(form);
  });
}

// Rows are staged STAGE_ROWS a transaction: one transaction open for the whole of a large file would
// hold back every reader of committed events (webhooks, the live feed) until it ended.
const STAGE_ROWS = 20_000;

async function* take<T>(rows: AsyncIterator<T>, count: number): AsyncGenerator<T> {
  for (let taken = 0; taken < count; taken++) {
    const next = await rows.next();
    if (next.done) return;
    yield next.value;
  }
}

async function stageInChunks(
  db: Database,
  uploadId: string,
  rows: AsyncIterator<StagedRow>,
  maxRows: number,
) {
  let count = 0;
  for (;;) {
    const staged = await db.transaction((trx) =>
      stageRows(trx, uploadId, take(rows, STAGE_ROWS), maxRows - count, count),
    );
    count += staged;
    if (staged < STAGE_ROWS) return count;
  }
}

// The upload is opened and its rows staged in transactions of their own; the last one closes it with
// its Idempotency-Key. Whatever fails on the way (or a replay) removes what was staged.
async function receiveCsv(request: Request, multipart: boolean) {
  const { config, db } = request.server.app;
  const campaignId = queryOf<{ campaignId?: string }>(request).campaignId;
  const upload = await db.transaction((trx) => opened(trx, actorOf(request), campaignId, 'csv'));
  try {
    // A form's file is hashed alone, so that a retry with another boundary is the same request.
    const body = multipart
      ? hashedStream(await filePart(request), config.uploadMaxBytes)
      : hashedBody(request, config.uploadMaxBytes);
    const rows = csvRows(body.chunks)[Symbol.asyncIterator]();
    const count = await stageInChunks(db, upload.id, rows, config.uploadMaxRows);
    if (count === 0) throw domainError(400, 'file_empty', 'The file has no rows');
    return await db.transaction(async (trx) => {
      await claimOrReplay(request, body.sha256());
      const received = await close(trx, request, await upload.$query(trx).patchAndFetch({ rowsRead: count }));
      await storeInTransaction(request, trx, 202, presentUpload(received));
      return received;
    });
  } catch (error) {
    await Upload.query(db).deleteById(upload.id);
    throw error;
  }
}

async function readJson(request: Request) {
  const body = hashedBody(request, request.server.app.config.maxBodyBytes);
  const chunks: Buffer[] = [];
  for await (const chunk of body.chunks) chunks.push(chunk);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw domainError(400, 'malformed_json', 'The request body is not valid JSON');
  }
  const { error, value } = jsonUpload.validate(json, { abortEarly: false, convert: true });
  if (error) throw validationFailed(error.details);
  return {
    ...(value as { campaignId?: string; rows: Record<string, unknown>[]; complete: boolean }),
    sha256: body.sha256(),
  };
}

async function appendRows(
  trx: Transaction,
  request: Request,
  upload: Upload,
  rows: Record<string, unknown>[],
) {
  const { uploadMaxRows } = request.server.app.config;
  const first = upload.rowsRead;
  const staged = rows.map((row, index) => stagedRow(first + index + 1, valuesOf(row)));
  const count = await stageRows(trx, upload.id, staged, uploadMaxRows - first);
  return upload.$query(trx).patchAndFetch({ rowsRead: first + count, updatedAt: new Date() });
}

async function receiveJson(trx: Transaction, request: Request) {
  const { campaignId, rows, complete, sha256 } = await readJson(request);
  const upload = await opened(trx, actorOf(request), campaignId, 'json');
  await claimOrReplay(request, sha256);
  const appended = await appendRows(trx, request, upload, rows);
  return complete ? close(trx, request, appended) : appended;
}

// POST /v1/uploads: a CSV file, or JSON rows (more may follow with /rows until /complete).
export async function receiveUpload(request: Request) {
  const type = mimeOf(request);
  if (!UPLOAD_TYPES.includes(type))
    throw domainError(415, 'unsupported_media_type', `Send ${UPLOAD_TYPES.join(', ')}`);
  if (type !== 'application/json')
    return { status: 202, body: presentUpload(await receiveCsv(request, type !== 'text/csv')) };
  const upload = await request.server.app.db.transaction(async (trx) => {
    const received = await receiveJson(trx, request);
    await storeInTransaction(request, trx, 202, presentUpload(received));
    return received;
  });
  return { status: 202, body: presentUpload(upload) };
}

// POST /v1/uploads/{id}/rows and /complete (parsed by hapi, within TESSERA_MAX_BODY_BYTES): more JSON
// rows for an upload still receiving, or its end.
export async function receiveMore(
  trx: Transaction,
  request: Request,
  id: string,
  more: { rows: Record<string, unknown>[]; complete: boolean } | null,
) {
  let upload = await findUpload(trx, scopeOf(request), id, true);
  if (upload.status !== 'receiving' || upload.format !== 'json')
    throw domainError(409, 'invalid_transition', `An upload that is ${upload.status} takes no more rows`);
  if (more) upload = await appendRows(trx, request, upload, more.rows);
  if (!more || more.complete) upload = await close(trx, request, upload);
  return presentUpload(upload);
}
