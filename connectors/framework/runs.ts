// Owns connector runs: asking for one (a queued or running run answers its own id), running it on a
// worker (pull page by page, each committed with its cursor; then write-back), its counts and first 100
// errors, and the connector_run.* events that report it.
import type { Logger } from 'pino';
import type { Database, Queryable, Transaction } from '../../core/db/database.ts';
import { notFound } from '../../core/errors.ts';
import { recordEvent } from '../../core/events/outbox.ts';
import { CsvFileError } from '../../core/files/csv.ts';
import type { Jobs } from '../../core/jobs/jobs.ts';
import { decodeCursor, isString, type Page, toPage } from '../../core/paging.ts';
import type { Scope } from '../../core/tenancy/scope.ts';
import { type Connectors, openConnection } from './connections.ts';
import { type Connector, ConnectorError, type Counts, type SyncContext } from './connector.ts';
import { fileChunks, fileOfRun, nextFileRun } from './files.ts';
import { Connection, ConnectionFile, ConnectorRun, type RecordError, type RunTrigger } from './model.ts';
import { seal } from './secrets.ts';
import { type VendorSettings, vendorHttp } from './vendor-http.ts';
import { writeBack } from './write-back.ts';

export const SYNC_QUEUE = 'connector-sync';
const KEPT_ERRORS = 100;
const PROGRESS_EVERY_MS = 1_000;
const COUNTS = ['fetched', 'created', 'updated', 'unchanged', 'deactivated', 'skipped', 'failed'] as const;

export interface SyncJob {
  runId: string;
}

export function presentRun(run: ConnectorRun) {
  return {
    id: run.id,
    connectionId: run.connectionId,
    trigger: run.trigger,
    status: run.status,
    queuedAt: run.queuedAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    counts: Object.fromEntries(COUNTS.map((key) => [key, run[key]])),
    errors: run.errors,
    failure: run.failure,
  };
}

// The connection's queued or running run, or a new one queued with its job, in the caller's transaction.
// The partial unique index on runs makes two concurrent requests agree on one run. File runs are not
// asked for here: each file has a run of its own (./files.ts).
export async function requestRun(
  trx: Transaction,
  jobs: Jobs,
  connection: Pick<Connection, 'id' | 'tenantId'>,
  trigger: RunTrigger,
): Promise<{ run: ConnectorRun; created: boolean }> {
  const inserted = await trx(ConnectorRun.tableName)
    .insert({ tenantId: connection.tenantId, connectionId: connection.id, trigger })
    .onConflict(
      trx.raw("(connection_id) WHERE status IN (?, ?) AND trigger <> 'file'", ['queued', 'running']),
    )
    .ignore()
    .returning('id');
  if (inserted.length === 0) {
    const active = await ConnectorRun.query(trx)
      .where({ connectionId: connection.id })
      .whereIn('status', ['queued', 'running'])
      .first();
    // Finished between the insert and this read: ask again.
    if (!active) return requestRun(trx, jobs, connection, trigger);
    return { run: active, created: false };
  }
  await jobs.enqueue<SyncJob>(trx, SYNC_QUEUE, [
    { data: { runId: inserted[0].id }, singletonKey: connection.id },
  ]);
  return { run: (await ConnectorRun.query(trx).findById(inserted[0].id)) as ConnectorRun, created: true };
}

// A push the connector handled within its request (an Outbound Message): logged in the push's own
// transaction as a finished run with its counts, so that pushes show beside pulls in a connection's runs.
export async function recordPushRun(
  trx: Transaction,
  connection: { id: string; tenantId: string; name: string },
  counts: Counts,
  errors: RecordError[],
): Promise<ConnectorRun> {
  const now = new Date();
  const run = await ConnectorRun.query(trx).insertAndFetch({
    tenantId: connection.tenantId,
    connectionId: connection.id,
    trigger: 'push',
    status: 'succeeded',
    startedAt: now,
    finishedAt: now,
    ...Object.fromEntries(COUNTS.map((key) => [key, counts[key] ?? 0])),
    errors: errors.slice(0, KEPT_ERRORS),
  });
  await announce(trx, run, 'completed', connection.name);
  return run;
}

export async function findRun(db: Queryable, scope: Scope, id: string): Promise<ConnectorRun> {
  const run = await ConnectorRun.query(db).findOne({ tenantId: scope.tenantId, id });
  if (!run) throw notFound('Connector run');
  return run;
}

export async function listRuns(
  db: Queryable,
  scope: Scope,
  connectionId: string,
  query: { limit: number; cursor?: string },
) {
  const before = decodeCursor(query.cursor, isString);
  const rows = await ConnectorRun.query(db)
    .where({ tenantId: scope.tenantId, connectionId })
    .modify((q) => before && q.where('id', '<', before))
    .orderBy('id', 'desc')
    .limit(query.limit + 1);
  return toPage(rows, query.limit, presentRun, (row) => row.id) as Page<unknown>;
}

async function announce(trx: Transaction, run: ConnectorRun, type: string, connectionName: string) {
  await recordEvent(trx, {
    tenantId: run.tenantId,
    type: `connector_run.${type}`,
    subject: run.id,
    data: { ...presentRun(run), runId: run.id, connection: connectionName },
  });
}

export interface RunDeps {
  db: Database;
  jobs: Jobs;
  log: Logger;
  connectors: Connectors;
  settings: VendorSettings;
}

// Takes the run from queued to running. A run found running was started by a worker that died: it is
// marked failed and a fresh run takes its place, resuming from the last committed cursor.
async function startRun(
  deps: RunDeps,
  runId: string,
): Promise<{ run: ConnectorRun; connection: Connection } | null> {
  return deps.db.transaction(async (trx) => {
    let run = await ConnectorRun.query(trx).findById(runId).forUpdate();
    if (!run || run.status === 'succeeded' || run.status === 'failed') return null;
    const connection = await Connection.query(trx).findById(run.connectionId);
    if (!connection) return null;
    if (run.status === 'running') {
      const failure = {
        code: 'interrupted',
        message: 'The worker running this sync stopped; a new run resumes it',
      };
      run = await run.$query(trx).patchAndFetch({ status: 'failed', finishedAt: new Date(), failure });
      await announce(trx, run, 'failed', connection.name);
      const replaced = run.id;
      run = await ConnectorRun.query(trx)
        .insert({ tenantId: run.tenantId, connectionId: run.connectionId, trigger: run.trigger })
        .returning('*');
      // A file goes on with the run that takes over, from where its cursor stands.
      await ConnectionFile.query(trx).where({ runId: replaced }).patch({ runId: run.id });
    }
    run = await run.$query(trx).patchAndFetch({ status: 'running', startedAt: new Date() });
    await announce(trx, run, 'started', connection.name);
    return { run, connection };
  });
}

async function addCounts(trx: Transaction, runId: string, counts: Counts, errors: RecordError[]) {
  const increments = Object.fromEntries(
    COUNTS.filter((key) => counts[key]).map((key) => [key, trx.raw('?? + ?', [key, counts[key] as number])]),
  );
  const kept = errors.length
    ? {
        errors: trx.raw(`jsonb_path_query_array(errors || ?::jsonb, '$[0 to ${KEPT_ERRORS - 1}]')`, [
          JSON.stringify(errors),
        ]),
      }
    : {};
  const patch = { ...increments, ...kept } as Partial<ConnectorRun>;
  if (Object.keys(patch).length === 0) return (await ConnectorRun.query(trx).findById(runId)) as ConnectorRun;
  return ConnectorRun.query(trx).patchAndFetchById(runId, patch);
}

async function finish(
  deps: RunDeps,
  run: ConnectorRun,
  connection: Connection,
  failure: ConnectorRun['failure'],
) {
  await deps.db.transaction(async (trx) => {
    const done = await ConnectorRun.query(trx).patchAndFetchById(run.id, {
      status: failure ? 'failed' : 'succeeded',
      finishedAt: new Date(),
      failure,
    });
    await announce(trx, done, failure ? 'failed' : 'completed', connection.name);
  });
}

type Started = { run: ConnectorRun; connection: Connection };

// The hook's context: each page commits with its cursor (the file's own in a file run), its counts, and
// a credential the vendor rotated.
function syncContext(deps: RunDeps, started: Started, file: ConnectionFile | undefined, log: Logger) {
  const { run, connection } = started;
  const connector = deps.connectors.registry.get(connection.type) as Connector;
  const opened = openConnection(deps.connectors, connection);
  if (file) opened.cursor = file.cursor;
  let lastProgress = 0;
  const commitPage: SyncContext<unknown, unknown>['commitPage'] = (work) =>
    deps.db.transaction(async (trx) => {
      const page = await work(trx);
      opened.cursor = page.cursor;
      const rotated = page.credentials
        ? {
            credentials: seal(deps.connectors.secretKey, page.credentials),
            credentialsUpdatedAt: new Date(),
          }
        : {};
      if (page.credentials) opened.credentials = page.credentials as Record<string, unknown>;
      if (file)
        await ConnectionFile.query(trx)
          .findById(file.id)
          .patch({ cursor: page.cursor as object });
      if (!file || page.credentials)
        await Connection.query(trx)
          .findById(connection.id)
          .patch({ ...(!file && { cursor: page.cursor as object }), ...rotated });
      const counted = await addCounts(trx, run.id, page.counts, page.errors ?? []);
      if (Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
        lastProgress = Date.now();
        await announce(trx, counted, 'progressed', connection.name);
      }
    });
  const http = vendorHttp(connector.describe.limits, deps.settings, log);
  return { connection: opened, db: deps.db, log, http, commitPage };
}

async function pull(deps: RunDeps, started: Started, connector: Connector, log: Logger) {
  const file = started.run.trigger === 'file' ? await fileOfRun(deps.db, started.run.id) : undefined;
  const ctx = syncContext(deps, started, file, log);
  if (!file) {
    await connector.sync?.(ctx);
  } else {
    if (!connector.files)
      throw new ConnectorError('files_not_accepted', `A ${connector.type} connection does not take files`);
    const { id, contentType, complete } = file;
    const chunks = () => fileChunks(deps.db, id);
    await connector.files.take({ ...ctx, file: { id, contentType, complete, chunks } });
  }
  return ctx;
}

const failureCode = (error: unknown) =>
  error instanceof ConnectorError || error instanceof CsvFileError ? error.code : 'sync_failed';

export async function executeRun(deps: RunDeps, runId: string): Promise<void> {
  const started = await startRun(deps, runId);
  if (!started) return;
  const { run, connection } = started;
  const connector = deps.connectors.registry.get(connection.type);
  const log = deps.log.child({ connectionId: connection.id, runId: run.id, type: connection.type });
  try {
    if (!connector) throw new ConnectorError('unknown_type', `No connector of type ${connection.type}`);
    const { connection: opened, http } = await pull(deps, started, connector, log);
    if (connector.writeBack) {
      const errors = await writeBack(
        deps.db,
        connector,
        { connection: opened, log, http },
        connection.writeBackCursor,
      );
      if (errors.length)
        await deps.db.transaction((trx) => addCounts(trx, run.id, { failed: errors.length }, errors));
    }
    await finish(deps, run, connection, null);
  } catch (error) {
    const code = failureCode(error);
    log.warn({ err: error, code }, 'connector run failed');
    await finish(deps, run, connection, { code, message: (error as Error).message.slice(0, 500) });
  }
}

// Reads the connection's waiting files oldest first, until none is left.
export async function readFilesInOrder(deps: RunDeps, runId: string): Promise<void> {
  const run = await ConnectorRun.query(deps.db).findById(runId);
  if (!run) return;
  const read = new Set<string>();
  for (let next = await nextFileRun(deps.db, run.connectionId); next && !read.has(next); ) {
    read.add(next);
    await executeRun(deps, next);
    next = await nextFileRun(deps.db, run.connectionId);
  }
}

// Every active connection whose time has come gets a scheduled run, and its next time.
export async function enqueueDue(db: Database, jobs: Jobs, next: (c: Connection) => Promise<Date | null>) {
  const due = await Connection.query(db)
    .where({ status: 'active' })
    .whereNotNull('schedule')
    .where('nextRunAt', '<=', db.fn.now());
  let queued = 0;
  for (const connection of due) {
    await db.transaction(async (trx) => {
      const { created } = await requestRun(trx, jobs, connection, 'schedule');
      if (created) queued += 1;
      await Connection.query(trx)
        .findById(connection.id)
        .patch({ nextRunAt: await next(connection) });
    });
  }
  return queued ? { queued } : undefined;
}
