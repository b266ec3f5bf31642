// Owns Idempotency-Key: the first response to a key is stored and replayed to the same API key; a reused
// key with another request is refused; a key whose first request is still running is refused until it
// finishes. A record belongs to the API key that made it: another key's request is independent.
import { createHash } from 'node:crypto';
import type { Request, ResponseObject, ResponseToolkit, Server } from '@hapi/hapi';
import type { Database, Transaction } from '../db/database.ts';
import { domainError } from '../errors.ts';
import { headerOf, type IdempotencyClaim, scopeOf } from './context.ts';
import { IdempotencyRecord } from './model.ts';

const MUTATING = new Set(['post', 'put', 'patch', 'delete']);

// A streamed body is not in `request.payload`: its route fingerprints the SHA-256 computed while reading.
function fingerprint(request: Request, bodySha256?: string): string {
  const target = `${request.method.toUpperCase()} ${request.url.pathname}${request.url.search}`;
  return createHash('sha256')
    .update(target)
    .update('\n')
    .update(bodySha256 === undefined ? JSON.stringify(request.payload ?? null) : `sha256:${bodySha256}`)
    .digest('hex');
}

type Claim =
  | { kind: 'claimed' }
  | { kind: 'replay'; status: number; body: unknown }
  | { kind: 'mismatch' }
  | { kind: 'in_progress' };

// One statement claims a new key, or takes over a claim abandoned by a crashed request (same request
// only, after the lock time). Anything else is read back to decide between replay, mismatch and busy.
async function claim(db: Database, held: Held, print: string, lockSeconds: number): Promise<Claim> {
  const claimed = await db.raw(
    `INSERT INTO idempotency_keys (tenant_id, api_key_id, key, fingerprint, status)
     VALUES (?, ?, ?, ?, 'in_progress')
     ON CONFLICT (tenant_id, api_key_id, key) DO UPDATE SET locked_at = now()
       WHERE idempotency_keys.status = 'in_progress' AND idempotency_keys.fingerprint = EXCLUDED.fingerprint
         AND idempotency_keys.locked_at < now() - make_interval(secs => ?)
     RETURNING 1`,
    [held.tenantId, held.apiKeyId, held.key, print, lockSeconds],
  );
  if (claimed.rows.length === 1) return { kind: 'claimed' };
  const row = await IdempotencyRecord.query(db).findOne(held);
  if (!row) return claim(db, held, print, lockSeconds);
  if (row.fingerprint !== print) return { kind: 'mismatch' };
  if (row.status === 'in_progress') return { kind: 'in_progress' };
  return { kind: 'replay', status: row.responseStatus as number, body: row.responseBody };
}

type Held = Pick<IdempotencyClaim, 'tenantId' | 'apiKeyId' | 'key'>;

const recordOf = (held: IdempotencyClaim): Held => ({
  tenantId: held.tenantId,
  apiKeyId: held.apiKeyId,
  key: held.key,
});

// Only a claim still in progress takes an answer: a completed one is never overwritten.
async function store(db: Database | Transaction, held: IdempotencyClaim, status: number, body: unknown) {
  await IdempotencyRecord.query(db)
    .where({ ...recordOf(held), status: 'in_progress' })
    .patch({ status: 'completed', responseStatus: status, responseBody: JSON.stringify(body ?? null) });
}

// Called by handlers inside their own transaction, so that the effect and its stored answer commit together.
export async function storeInTransaction(request: Request, trx: Transaction, status: number, body: unknown) {
  const held = request.app.idempotency;
  if (held) await store(trx, held, status, body);
}

export function markStored(request: Request): void {
  if (request.app.idempotency) request.app.idempotency.recorded = true;
}

// A route may name a body field that serves as the key when no header is sent: a Salesforce Flow's
// builder can leave the header empty, and its retry must still not act twice.
function keyOf(request: Request): string | undefined {
  const header = headerOf(request, 'idempotency-key');
  if (header !== undefined) return header;
  const field = request.route.settings.plugins?.tessera?.idempotencyField;
  const value = field ? (request.payload as Record<string, unknown> | null)?.[field] : undefined;
  return typeof value === 'string' ? value : undefined;
}

function checkedKey(key: string): string {
  if (key.length < 1 || key.length > 255) {
    throw domainError(400, 'validation_failed', 'The request is not valid; see details for each field', [
      { in: 'headers', path: 'idempotency-key', message: 'Idempotency-Key must be 1 to 255 characters' },
    ]);
  }
  return key;
}

// Claims the key for this request, or answers what a replay gets; refuses a reuse and a key in flight.
async function decide(request: Request, key: string, print: string) {
  const { db, config } = request.server.app;
  const { tenantId, keyId } = scopeOf(request);
  const held = { tenantId, apiKeyId: keyId, key: checkedKey(key) };
  const result = await claim(db, held, print, config.idempotencyLockSeconds);
  switch (result.kind) {
    case 'claimed':
      request.app.idempotency = { ...held, recorded: false };
      return null;
    case 'replay':
      return { status: result.status, body: result.body };
    case 'mismatch':
      throw domainError(
        422,
        'idempotency_key_reused',
        'This Idempotency-Key was used with a different request',
      );
    case 'in_progress':
      throw domainError(
        409,
        'idempotency_in_progress',
        'A request with this Idempotency-Key is still running',
      );
  }
}

async function onPreHandler(request: Request, h: ResponseToolkit) {
  if (request.route.settings.plugins?.tessera?.streamedBody) return h.continue;
  const key = keyOf(request);
  if (key === undefined || !MUTATING.has(request.method) || !request.auth.isAuthenticated) return h.continue;
  const replay = await decide(request, key, fingerprint(request));
  if (!replay) return h.continue;
  const reply = h.response(replay.body ?? undefined).code(replay.status);
  return reply.header('Idempotent-Replayed', 'true').takeover();
}

// For a route that streams its body: called once the body is read, with its SHA-256. Answers the stored
// reply when this is a replay (the caller then undoes what reading the body wrote), else null.
export async function claimStreamed(
  request: Request,
  bodySha256: string,
): Promise<{ status: number; body: unknown } | null> {
  const key = headerOf(request, 'idempotency-key');
  if (key === undefined) return null;
  return decide(request, key, fingerprint(request, bodySha256));
}

// Answers not stored by their handler's transaction (refusals, which change nothing) are stored here.
// A 5xx frees the key for a retry only while it is still in progress: when the handler's transaction
// committed its answer and only the reply to us was lost, the retry must replay it, not run again.
async function settle(request: Request, held: IdempotencyClaim) {
  const { db } = request.server.app;
  const response = request.response as ResponseObject;
  if (response.statusCode >= 500) {
    await IdempotencyRecord.query(db)
      .where({ ...recordOf(held), status: 'in_progress' })
      .delete();
  } else {
    await store(db, held, response.statusCode, response.source);
  }
}

async function onPreResponse(request: Request, h: ResponseToolkit) {
  const held = request.app.idempotency;
  if (!held || held.recorded) return h.continue;
  held.recorded = true;
  // When the database is out, the claim stays in progress and is taken over after the lock time; the
  // caller still gets the answer in its one error shape.
  await settle(request, held).catch((error: Error) => request.log(['error'], { err: error }));
  return h.continue;
}

export async function purgeIdempotencyKeys(db: Database, ttlHours: number): Promise<number> {
  return IdempotencyRecord.query(db)
    .where('createdAt', '<', db.raw('now() - make_interval(hours => ?)', [ttlHours]))
    .delete();
}

export function registerIdempotency(server: Server): void {
  server.ext('onPreHandler', onPreHandler);
  server.ext('onPreResponse', onPreResponse);
  const { config, jobs } = server.app;
  jobs.schedule({
    name: 'idempotency-purge',
    cron: config.idempotencyPurgeCron,
    run: (db) => purgeIdempotencyKeys(db, config.idempotencyTtlHours),
  });
}
