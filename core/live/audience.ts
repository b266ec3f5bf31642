// Owns which of a process's live connections an event may reach: each subscribed connection is filed
// under its tenant and its subscription's most selective filter, so an event is checked against the
// few connections filed under its own member, campaign or partner (and the unfiltered ones), not
// against every socket of the process.
import type { LiveEvent, Subscription } from './channels.ts';

const SEP = '\u0000';

function keyOf({ tenantId, filter }: Subscription): string {
  if (filter.memberRef !== undefined) return `${tenantId}${SEP}m${SEP}${filter.memberRef}`;
  if (filter.campaignId !== undefined) return `${tenantId}${SEP}c${SEP}${filter.campaignId}`;
  if (filter.partnerId !== undefined) return `${tenantId}${SEP}p${SEP}${filter.partnerId}`;
  return `${tenantId}${SEP}*`;
}

// The keys an event can be filed under: a filter matches only the same string value.
function keysFor({ tenantId, event: { data } }: LiveEvent): string[] {
  const keys = [`${tenantId}${SEP}*`];
  if (typeof data.memberRef === 'string') keys.push(`${tenantId}${SEP}m${SEP}${data.memberRef}`);
  if (typeof data.campaignId === 'string') keys.push(`${tenantId}${SEP}c${SEP}${data.campaignId}`);
  if (typeof data.partnerId === 'string') keys.push(`${tenantId}${SEP}p${SEP}${data.partnerId}`);
  return keys;
}

export class Audience<C> {
  readonly #filed = new Map<string, Set<C>>();
  readonly #keys = new Map<C, string>();

  // A new subscription replaces the connection's previous one.
  file(connection: C, subscription: Subscription) {
    this.remove(connection);
    const key = keyOf(subscription);
    const set = this.#filed.get(key) ?? new Set<C>();
    this.#filed.set(key, set);
    set.add(connection);
    this.#keys.set(connection, key);
  }

  remove(connection: C) {
    const key = this.#keys.get(connection);
    if (key === undefined) return;
    this.#keys.delete(connection);
    const set = this.#filed.get(key);
    set?.delete(connection);
    if (set?.size === 0) this.#filed.delete(key);
  }

  // Connections the event may reach; each still checks its channels and other filters itself.
  *candidates(live: LiveEvent): Generator<C> {
    for (const key of keysFor(live)) {
      const set = this.#filed.get(key);
      if (set) yield* set;
    }
  }

  get size() {
    return this.#keys.size;
  }
}
