// Owns the upload routes: send a file or rows (admin or integration), follow it, read its errors, correct
// rows, approve (admin) or cancel it.
import { Readable } from 'node:stream';
import type { Request, ServerRoute } from '@hapi/hapi';
import Joi from 'joi';
import { actorOf, paramsOf, payloadOf, queryOf, scopeOf } from '../http/context.ts';
import { mutate } from '../http/mutation.ts';
import { answers } from '../http/openapi.ts';
import { pageQuery } from '../http/pagination.ts';
import { answerStreamed } from '../http/streamed.ts';
import { decodeCursor, encodeCursor, isPositiveInteger } from '../paging.ts';
import { idParams, noBody } from '../payloads.ts';
import { correctionRows, correctUpload } from './corrections.ts';
import { errorCsv, errorPage } from './errors.ts';
import {
  approveUpload,
  cancelUpload,
  DISPATCH_QUEUE,
  findUpload,
  listUploads,
  presentUpload,
} from './lifecycle.ts';
import { moreRows, receiveMore, receiveUpload, UPLOAD_TYPES } from './receive.ts';
import { corrections, rowErrorPage, uploadAnswer, uploadPage } from './schema.ts';

const senders = { access: { scope: ['admin', 'integration'] } };
const readers = { access: { scope: ['admin', 'integration', 'viewer'] } };
const tags = ['api', 'uploads'];
const idOf = (request: Request) => paramsOf<{ id: string }>(request).id;

export function uploadRoutes(maxBytes: number): ServerRoute[] {
  return [
    {
      method: 'POST',
      path: '/v1/uploads',
      options: {
        description:
          'Send a bulk incentive file (text/csv, or multipart/form-data with a file part) or JSON rows; every row is validated first',
        notes:
          'Columns (any case): memberRef, name, email, phone, channel, campaignId, points, denomination, note, rowKey. ' +
          'CSV is streamed, up to TESSERA_UPLOAD_MAX_BYTES and TESSERA_UPLOAD_MAX_ROWS; JSON is {campaignId?, rows, complete?}.',
        tags,
        auth: senders,
        validate: { query: Joi.object({ campaignId: Joi.string().guid() }) },
        payload: {
          parse: false,
          output: 'stream',
          maxBytes,
          allow: UPLOAD_TYPES,
          timeout: false,
        },
        plugins: {
          ...answers('createUpload', { 202: uploadAnswer }).plugins,
          tessera: { streamedBody: true },
        },
      },
      handler: (request, h) => answerStreamed(request, h, () => receiveUpload(request)),
    },
    {
      method: 'POST',
      path: '/v1/uploads/{id}/rows',
      options: {
        ...answers('appendUploadRows', { 202: uploadAnswer }),
        description: 'More JSON rows for an upload still receiving; complete=true closes it',
        tags,
        auth: senders,
        validate: { params: idParams, payload: moreRows },
      },
      handler: (request, h) =>
        mutate(request, h, async (trx) => ({
          status: 202,
          body: await receiveMore(trx, request, idOf(request), payloadOf(request)),
        })),
    },
    {
      method: 'POST',
      path: '/v1/uploads/{id}/complete',
      options: {
        ...answers('completeUpload', { 202: uploadAnswer }),
        description: 'No more rows follow: validation starts',
        tags,
        auth: senders,
        validate: { params: idParams, payload: noBody },
      },
      handler: (request, h) =>
        mutate(request, h, async (trx) => ({
          status: 202,
          body: await receiveMore(trx, request, idOf(request), null),
        })),
    },
    {
      method: 'GET',
      path: '/v1/uploads',
      options: {
        ...answers('listUploads', { 200: uploadPage }),
        description: 'Uploads, newest first',
        tags,
        auth: readers,
        validate: {
          query: Joi.object({
            status: Joi.string().valid(
              'receiving',
              'validating',
              'validated',
              'approved',
              'dispatching',
              'dispatched',
              'cancelled',
            ),
            ...pageQuery,
          }),
        },
      },
      handler: (request) => listUploads(request.server.app.db, scopeOf(request), queryOf(request)),
    },
    {
      method: 'GET',
      path: '/v1/uploads/{id}',
      options: {
        ...answers('getUpload', { 200: uploadAnswer }),
        description: 'One upload: its phase, counts and per-campaign cost with warnings',
        tags,
        auth: readers,
        validate: { params: idParams },
      },
      handler: async (request) =>
        presentUpload(await findUpload(request.server.app.db, scopeOf(request), idOf(request))),
    },
    {
      method: 'GET',
      path: '/v1/uploads/{id}/errors',
      options: {
        ...answers('listUploadErrors', { 200: rowErrorPage }),
        description: "The rows' errors {row, column, code, message}; format=csv for all of them as a file",
        tags,
        auth: readers,
        validate: {
          params: idParams,
          query: Joi.object({ format: Joi.string().valid('json', 'csv').default('json'), ...pageQuery }),
        },
      },
      handler: async (request, h) => {
        const { db } = request.server.app;
        const upload = await findUpload(db, scopeOf(request), idOf(request));
        const query = queryOf<{ format: string; limit: number; cursor?: string }>(request);
        if (query.format === 'csv')
          return h
            .response(Readable.from(errorCsv(db, upload.id), { objectMode: false }))
            .type('text/csv; charset=utf-8')
            .header('content-disposition', `attachment; filename="upload-${upload.id}-errors.csv"`);
        const after = decodeCursor(query.cursor, isPositiveInteger) ?? 0;
        const page = await errorPage(db, upload.id, query.limit, after);
        return { data: page.data, nextCursor: page.last === null ? null : encodeCursor(page.last) };
      },
    },
    {
      method: 'POST',
      path: '/v1/uploads/{id}/corrections',
      options: {
        ...answers('correctUpload', { 202: uploadAnswer }),
        description: 'Fixed rows only, matched by row or rowKey; the upload is validated again',
        notes: 'JSON {rows: [...]}, or a CSV (text/csv) of the fixed rows with a row or rowKey column.',
        tags,
        auth: senders,
        payload: { allow: ['application/json', 'text/csv'] },
        validate: { params: idParams, payload: Joi.alternatives(corrections, Joi.string()) },
      },
      handler: async (request, h) => {
        const rows = await correctionRows(payloadOf<{ rows: [] } | string>(request));
        return mutate(request, h, async (trx) => ({
          status: 202,
          body: await correctUpload(trx, request, idOf(request), rows),
        }));
      },
    },
    {
      method: 'POST',
      path: '/v1/uploads/{id}/approve',
      options: {
        ...answers('approveUpload', { 202: uploadAnswer }),
        description: 'Approve a validated upload: its valid rows are dispatched',
        notes:
          'With settings uploads.makerChecker, the key that sent the upload cannot approve it (409 four_eyes_required).',
        tags,
        auth: { access: { scope: ['admin'] } },
        validate: { params: idParams, payload: noBody },
      },
      handler: (request, h) =>
        mutate(request, h, async (trx) => {
          const approved = await approveUpload(trx, actorOf(request), idOf(request));
          await request.server.app.jobs.enqueue(trx, DISPATCH_QUEUE, [
            { data: { uploadId: approved.id }, singletonKey: approved.id },
          ]);
          return { status: 202, body: presentUpload(approved) };
        }),
    },
    {
      method: 'POST',
      path: '/v1/uploads/{id}/cancel',
      options: {
        ...answers('cancelUpload', { 200: uploadAnswer }),
        description: 'Cancel an upload before its approval',
        tags,
        auth: senders,
        validate: { params: idParams, payload: noBody },
      },
      handler: (request, h) =>
        mutate(request, h, async (trx) => ({
          status: 200,
          body: presentUpload(await cancelUpload(trx, actorOf(request), idOf(request))),
        })),
    },
  ];
}
