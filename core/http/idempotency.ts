// Owns Idempotency-Key: the first response to a key is stored and replayed; a reused key with another
// request is refused; a key whose first request is still running is refused until it finishes.
import { createHash } from 'node:crypto';
import type { Request, ResponseObject, ResponseToolkit, Server } from '@hapi/hapi';
import type { Database, Transaction } from '../db/database.ts';
import { headerOf, scopeOf } from './context.ts';
import { domainError } from './errors.ts';

const MUTATING = new Set(['post', 'put', 'patch', 'delete']);

function fingerprint(request: Request): string {
  const target = `${request.method.toUpperCase()} ${request.url.pathname}${request.url.search}`;
  return createHash('sha256')
    .update(target)
    .update('\n')
    .update(JSON.stringify(request.payload ?? null))
    .digest('hex');
}

type Claim =
  | { kind: 'claimed' }
  | { kind: 'replay'; status: number; body: unknown }
  | { kind: 'mismatch' }
  | { kind: 'in_progress' };

// One statement claims a new key, or takes over a claim abandoned by a crashed request (same request
// only, after the lock time). Anything else is read back to decide between replay, mismatch and busy.
async function claim(
  db: Database,
  tenantId: string,
  key: string,
  print: string,
  lockSeconds: number,
): Promise<Claim> {
  const claimed = await db.raw(
    `INSERT INTO idempotency_keys (tenant_id, key, fingerprint, status) VALUES (?, ?, ?, 'in_progress')
     ON CONFLICT (tenant_id, key) DO UPDATE SET locked_at = now()
       WHERE idempotency_keys.status = 'in_progress' AND idempotency_keys.fingerprint = EXCLUDED.fingerprint
         AND idempotency_keys.locked_at < now() - make_interval(secs => ?)
     RETURNING 1`,
    [tenantId, key, print, lockSeconds],
  );
  if (claimed.rows.length === 1) return { kind: 'claimed' };
  const row = await db('idempotency_keys').where({ tenantId, key }).first();
  if (!row) return claim(db, tenantId, key, print, lockSeconds);
  if (row.fingerprint !== print) return { kind: 'mismatch' };
  if (row.status === 'in_progress') return { kind: 'in_progress' };
  return { kind: 'replay', status: row.responseStatus, body: row.responseBody };
}

async function store(
  db: Database | Transaction,
  tenantId: string,
  key: string,
  status: number,
  body: unknown,
) {
  await db('idempotency_keys')
    .where({ tenantId, key })
    .update({ status: 'completed', responseStatus: status, responseBody: JSON.stringify(body ?? null) });
}

// Called by handlers inside their own transaction, so that the effect and its stored answer commit together.
export async function storeInTransaction(request: Request, trx: Transaction, status: number, body: unknown) {
  const held = request.app.idempotency;
  if (held) await store(trx, held.tenantId, held.key, status, body);
}

export function markStored(request: Request): void {
  if (request.app.idempotency) request.app.idempotency.recorded = true;
}

async function onPreHandler(request: Request, h: ResponseToolkit) {
  const key = headerOf(request, 'idempotency-key');
  if (key === undefined || !MUTATING.has(request.method) || !request.auth.isAuthenticated) return h.continue;
  if (key.length < 1 || key.length > 255) {
    throw domainError(400, 'validation_failed', 'The request is not valid; see details for each field', [
      { in: 'headers', path: 'idempotency-key', message: 'Idempotency-Key must be 1 to 255 characters' },
    ]);
  }
  const { db, config } = request.server.app;
  const { tenantId } = scopeOf(request);
  const result = await claim(db, tenantId, key, fingerprint(request), config.idempotencyLockSeconds);
  switch (result.kind) {
    case 'claimed':
      request.app.idempotency = { tenantId, key, recorded: false };
      return h.continue;
    case 'replay': {
      const reply = h.response(result.body ?? undefined).code(result.status);
      return reply.header('Idempotent-Replayed', 'true').takeover();
    }
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

// Responses not stored by their handler's transaction are stored here; a 5xx frees the key for a retry.
async function onPreResponse(request: Request, h: ResponseToolkit) {
  const held = request.app.idempotency;
  if (!held || held.recorded) return h.continue;
  held.recorded = true;
  const { db } = request.server.app;
  const response = request.response as ResponseObject;
  if (response.statusCode >= 500) {
    await db('idempotency_keys').where({ tenantId: held.tenantId, key: held.key }).delete();
  } else {
    await store(db, held.tenantId, held.key, response.statusCode, response.source);
  }
  return h.continue;
}

export async function purgeIdempotencyKeys(db: Database, ttlHours: number): Promise<number> {
  return db('idempotency_keys')
    .where('createdAt', '<', db.raw('now() - make_interval(hours => ?)', [ttlHours]))
    .delete();
}

export function registerIdempotency(server: Server): void {
  server.ext('onPreHandler', onPreHandler);
  server.ext('onPreResponse', onPreResponse);
}
