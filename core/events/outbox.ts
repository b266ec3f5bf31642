// Owns the events outbox: recording a domain event inside the caller's transaction, and reading
// committed events in an order that a reader resuming from a cursor can never skip.
import type { Database, Transaction } from '../db/database.ts';
import { domainError } from '../http/errors.ts';

export interface NewEvent {
  tenantId: string;
  type: string;
  subject?: string | null;
  data: Record<string, unknown>;
}

export interface StoredEvent {
  id: string;
  cursor: string;
  type: string;
  subject: string | null;
  data: Record<string, unknown>;
  createdAt: string;
}

export async function recordEvent(
  trx: Transaction,
  event: NewEvent,
): Promise<{ id: number; createdAt: Date }> {
  const [row] = await trx('events')
    .insert({
      tenantId: event.tenantId,
      type: event.type,
      subject: event.subject ?? null,
      data: JSON.stringify(event.data),
    })
    .returning(['id', 'createdAt']);
  return { id: Number(row.id), createdAt: row.createdAt };
}

// A cursor is the (transaction id, event id) of the last event read.
export function parseEventCursor(cursor: string | undefined): [string, number] {
  if (cursor === undefined) return ['0', 0];
  const match = /^(\d{1,20})_(\d{1,19})$/.exec(cursor);
  if (!match) throw domainError(400, 'invalid_cursor', 'The cursor is not one this feed returned');
  return [match[1], Number(match[2])];
}

// `a.b` matches that type, `a.*` every type under `a.`; `*` or nothing matches all.
function typeFilter(types: string[]): { exact: string[]; prefixes: string[] } | null {
  if (types.length === 0 || types.includes('*')) return null;
  const exact = types.filter((type) => !type.endsWith('.*'));
  const prefixes = types
    .filter((type) => type.endsWith('.*'))
    .map((type) => type.slice(0, -1).replace(/[\\%_]/g, '\\$&') + '%');
  return { exact, prefixes };
}

interface EventRow {
  id: number;
  txText: string;
  type: string;
  subject: string | null;
  data: Record<string, unknown>;
  createdAt: Date;
}

interface EventQuery {
  tenantId: string;
  after?: string;
  types?: string[];
  limit: number;
}

// Hot query of the feed. Only rows below the oldest running transaction's id (the snapshot's xmin) are
// returned: every such transaction has ended, so no row can later appear before the returned cursor.
export async function readEvents(db: Database, query: EventQuery): Promise<StoredEvent[]> {
  const [txId, id] = parseEventCursor(query.after);
  const filter = typeFilter(query.types ?? []);
  const rows = await db('events')
    .select('id', db.raw('tx_id::text AS tx_text'), 'type', 'subject', 'data', 'created_at')
    .where('tenant_id', query.tenantId)
    .whereRaw('(tx_id, id) > (?::xid8, ?)', [txId, id])
    .whereRaw('tx_id < pg_snapshot_xmin(pg_current_snapshot())')
    .modify((builder) => {
      if (filter) {
        builder.where((inner) => {
          inner.whereIn('type', filter.exact);
          if (filter.prefixes.length) inner.orWhereRaw('type LIKE ANY (?)', [filter.prefixes]);
        });
      }
    })
    // The text alias above must not be named tx_id: ORDER BY would then sort the text, and 10 < 9.
    .orderBy([{ column: 'tx_id' }, { column: 'id' }])
    .limit(query.limit);
  return rows.map((row: EventRow) => ({
    id: String(row.id),
    cursor: `${row.txText}_${row.id}`,
    type: row.type,
    subject: row.subject,
    data: row.data,
    createdAt: row.createdAt.toISOString(),
  }));
}
