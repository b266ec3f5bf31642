// Owns API key authentication: `Authorization: Bearer <key>` → the caller's tenant, role and partner.
import Boom from '@hapi/boom';
import type { Request, ResponseToolkit, Server } from '@hapi/hapi';
import type { Role } from '../config.ts';
import type { Database } from '../db/database.ts';
import { hashKey } from '../tenancy/keys.ts';
import { headerOf, type LedgerAccess, type Scope } from './context.ts';
import { KeyCache } from './key-cache.ts';

function unauthorized(message: string): Boom.Boom {
  const error = Boom.unauthorized(message, 'Bearer');
  error.data = { code: 'unauthorized', details: [] };
  return error;
}

interface KeyRow {
  id: string;
  tenantId: string;
  role: Role;
  partnerId: string | null;
  ledgerAccess: LedgerAccess | null;
  revokedAt: Date | null;
  lastUsedStale: boolean;
}

async function resolveKey(db: Database, hash: string): Promise<Scope | null> {
  const row: KeyRow | undefined = await db('api_keys')
    .leftJoin('partners', 'partners.id', 'api_keys.partner_id')
    .select('api_keys.id', 'api_keys.tenant_id', 'role', 'partner_id', 'revoked_at', 'partners.ledger_access')
    .select(
      db.raw(`(last_used_at IS NULL OR last_used_at < now() - interval '60 seconds') AS last_used_stale`),
    )
    .where('key_hash', hash)
    .first();
  if (!row || row.revokedAt) return null;
  // Last-used time is kept to the minute so that a busy key does not write on every request.
  if (row.lastUsedStale) await db('api_keys').where('id', row.id).update({ lastUsedAt: db.fn.now() });
  const scope: Scope = { tenantId: row.tenantId, keyId: row.id, role: row.role, partnerId: row.partnerId };
  if (row.role === 'partner') scope.ledgerAccess = row.ledgerAccess ?? 'none';
  return scope;
}

export function bearerKey(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match ? match[1] : null;
}

// The scope of an API key, through the process's key cache; also used by the live feed's handshake.
export async function scopeForKey(
  app: { db: Database; keyCache: KeyCache },
  key: string,
): Promise<Scope | null> {
  const { db, keyCache } = app;
  const hash = hashKey(key);
  const cached = keyCache.get(hash);
  if (cached) return cached;
  const scope = await resolveKey(db, hash);
  if (scope) keyCache.set(hash, scope);
  return scope;
}

export function registerApiKeyAuth(server: Server): void {
  server.app.keyCache = new KeyCache(server.app.config.authCacheSeconds);
  server.auth.scheme('api-key', () => ({
    authenticate: async (request: Request, h: ResponseToolkit) => {
      const key = bearerKey(headerOf(request, 'authorization'));
      if (!key) throw unauthorized('Send an API key as Authorization: Bearer <key>');
      const scope = await scopeForKey(request.server.app, key);
      if (!scope) throw unauthorized('The API key is unknown or revoked');
      return h.authenticated({ credentials: { scope: [scope.role], app: scope } });
    },
  }));
  server.auth.strategy('api-key', 'api-key');
  server.auth.default('api-key');
}
