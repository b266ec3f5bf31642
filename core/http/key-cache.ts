// Owns the short-lived cache of resolved API keys, so that a busy integration's requests do not each
// look their key up. Only valid keys are cached; a revocation in this process takes effect at once,
// one made by another process within the cache time (TESSERA_AUTH_CACHE_SECONDS, 0 turns it off).
import type { Scope } from './context.ts';

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
