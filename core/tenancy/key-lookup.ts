// Owns finding the scope of an API key: the hashed key's row with its partner's ledger access, and a
// short-lived cache of valid keys so that a busy integration's requests do not each look their key up.
// A revocation in this process takes effect at once, one made by another process within the cache time
// (TESSERA_AUTH_CACHE_SECONDS, 0 turns it off).
import type { Database } from '../db/database.ts';
import { hashKey } from './keys.ts';
import { ApiKey } from './model.ts';
import type { LedgerAccess, Scope } from './scope.ts';

const MAX_ENTRIES = 10_000;

export class KeyCache {
  readonly #ttlMs: number;
  readonly #entries = new Map<string, { scope: Scope; until: number }>();

  constructor(seconds: number) {
    this.#ttlMs = seconds * 1000;
  }

  get(hash: string): Scope | undefined {
    const entry = this.#entries.get(hash);
    if (!entry) return undefined;
    if (entry.until > Date.now()) return entry.scope;
    this.#entries.delete(hash);
    return undefined;
  }

  set(hash: string, scope: Scope): void {
    if (this.#ttlMs === 0) return;
    // Maps iterate in insertion order: the first entry is the oldest.
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value as string);
    this.#entries.set(hash, { scope, until: Date.now() + this.#ttlMs });
  }

  forget(keyId: string): void {
    for (const [hash, entry] of this.#entries) if (entry.scope.keyId === keyId) this.#entries.delete(hash);
  }

  // A partner's ledger access changed: its keys are looked up afresh.
  forgetPartner(partnerId: string): void {
    for (const [hash, entry] of this.#entries)
      if (entry.scope.partnerId === partnerId) this.#entries.delete(hash);
  }
}

type KeyRow = Pick<ApiKey, 'id' | 'tenantId' | 'role' | 'partnerId' | 'revokedAt'> & {
  ledgerAccess: LedgerAccess | null;
  lastUsedStale: boolean;
};

async function resolveKey(db: Database, hash: string): Promise<Scope | null> {
  const row = await ApiKey.query(db)
    .leftJoin('partners', 'partners.id', 'api_keys.partner_id')
    .select('api_keys.id', 'api_keys.tenant_id', 'role', 'partner_id', 'revoked_at', 'partners.ledger_access')
    .select(
      db.raw(`(last_used_at IS NULL OR last_used_at < now() - interval '60 seconds') AS last_used_stale`),
    )
    .where('key_hash', hash)
    .first()
    .castTo<KeyRow | undefined>();
  if (!row || row.revokedAt) return null;
  // Last-used time is kept to the minute so that a busy key does not write on every request.
  if (row.lastUsedStale)
    await ApiKey.query(db)
      .findById(row.id)
      .patch({ lastUsedAt: db.fn.now() as unknown as Date });
  const scope: Scope = { tenantId: row.tenantId, keyId: row.id, role: row.role, partnerId: row.partnerId };
  if (row.role === 'partner') scope.ledgerAccess = row.ledgerAccess ?? 'none';
  return scope;
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

// Which of these keys are revoked (or gone): the live feed closes their sockets.
export async function revokedKeys(db: Database, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const live = new Set(
    (await ApiKey.query(db).whereIn('id', ids).whereNull('revokedAt').select('id')).map((k) => k.id),
  );
  return new Set(ids.filter((id) => !live.has(id)));
}
