// Owns files sent to a connection (POST /v1/connections/{id}/files): the body streamed into the database
// in chunks while its size and SHA-256 are counted, a run of trigger `file` queued for it in the same
// transaction, and the chunks read back in order by that run. Files of one connection run one at a
// time, in the order they arrived.
import type { Request, ResponseToolkit } from '@hapi/hapi';
import type { Database, Queryable, Transaction } from '../../core/db/database.ts';
import { domainError } from '../../core/errors.ts';
import { mimeOf, scopeOf } from '../../core/http/context.ts';
import { storeInTransaction } from '../../core/http/idempotency.ts';
import { answerStreamed, claimOrReplay, type HashedBody, hashedBody } from '../../core/http/streamed.ts';
import { type Connectors, findConnection } from './connections.ts';
import { ConnectionFile, ConnectorRun } from './model.ts';

export const FILES_QUEUE = 'connector-files';
// Chunks are written this large: few statements, and never the whole file in memory.
const CHUNK_BYTES = 1024 * 1024;

export interface FileJob {
  runId: string;
}

// What every file-taking connector accepts, for the route's `allow`.
export function fileTypes(connectors: Connectors): string[] {
  return [...new Set(connectors.registry.all().flatMap((connector) => connector.files?.types ?? []))];
}

async function storeBody(trx: Transaction, fileId: string, body: HashedBody) {
  let seq = 0;
  let pending: Buffer[] = [];
  let size = 0;
  const flush = async () => {
    if (size === 0) return;
    await trx('connectionFileChunks').insert({ fileId, seq: seq++, data: Buffer.concat(pending) });
    pending = [];
    size = 0;
  };
  for await (const buffer of body.chunks) {
    pending.push(buffer);
    size += buffer.length;
    if (size >= CHUNK_BYTES) await flush();
  }
  await flush();
  if (body.bytes() === 0) throw domainError(400, 'file_empty', 'The file is empty');
  return { bytes: body.bytes(), sha256: body.sha256() };
}

async function queueFile(request: Request, connectors: Connectors, connectionId: string, complete: boolean) {
  const { db, jobs, config } = request.server.app;
  const connection = await findConnection(db, scopeOf(request), connectionId);
  const taker = connectors.registry.get(connection.type)?.files;
  if (!taker)
    throw domainError(409, 'files_not_accepted', `A ${connection.type} connection does not take files`);
  if (connection.status !== 'active')
    throw domainError(409, 'connection_paused', 'The connection is paused; resume it to send files');
  const contentType = mimeOf(request);
  if (!taker.types.includes(contentType))
    throw domainError(415, 'unsupported_media_type', `A ${connection.type} connection takes ${taker.types}`);
  return db.transaction(async (trx) => {
    const run = await ConnectorRun.query(trx)
      .insert({ tenantId: connection.tenantId, connectionId: connection.id, trigger: 'file' })
      .returning('*');
    const file = await ConnectionFile.query(trx)
      .insert({
        tenantId: connection.tenantId,
        connectionId,
        runId: run.id,
        contentType,
        complete,
        bytes: 0,
        sha256: '',
      })
      .returning('id');
    const { bytes, sha256 } = await storeBody(
      trx,
      file.id,
      hashedBody(request, config.connectionFileMaxBytes),
    );
    await claimOrReplay(request, sha256);
    await ConnectionFile.query(trx).findById(file.id).patch({ bytes, sha256 });
    await jobs.enqueue<FileJob>(trx, FILES_QUEUE, [{ data: { runId: run.id }, singletonKey: connection.id }]);
    const body = { runId: run.id, fileId: file.id, status: run.status, bytes, sha256, complete };
    await storeInTransaction(request, trx, 202, body);
    return body;
  });
}

export const receiveFile = (
  request: Request,
  h: ResponseToolkit,
  connectors: Connectors,
  connectionId: string,
  complete: boolean,
) =>
  answerStreamed(request, h, async () => ({
    status: 202,
    body: await queueFile(request, connectors, connectionId, complete),
  }));

// The connection's next file to read, oldest first: its run queued, or running when its worker died.
export async function nextFileRun(db: Queryable, connectionId: string): Promise<string | undefined> {
  const row = await db('connectionFiles as f')
    .join('connectorRuns as r', 'r.id', 'f.runId')
    .where('f.connectionId', connectionId)
    .whereIn('r.status', ['queued', 'running'])
    .orderBy([{ column: 'f.createdAt' }, { column: 'f.id' }])
    .first('r.id');
  return row?.id;
}

export async function fileOfRun(db: Queryable, runId: string): Promise<ConnectionFile | undefined> {
  return ConnectionFile.query(db).findOne({ runId });
}

// The file's bytes, chunk by chunk, as stored.
export async function* fileChunks(db: Database, fileId: string): AsyncGenerator<Buffer> {
  for (let seq = 0; ; seq++) {
    const chunk = await db('connectionFileChunks').where({ fileId, seq }).first('data');
    if (!chunk) return;
    yield chunk.data as Buffer;
  }
}
