// Owns the events outbox: recording a domain event inside the caller's transaction, and reading
// committed events in an order that a reader resuming from a cursor can never skip. Every reader of the
// events table (the REST feed, the webhook fan-out, the live feed) reads through readCommitted.
import type { Database, Queryable, Transaction } from '../db/database.ts';
import { domainError } from '../errors.ts';
import { type EventCursor, formatCursor, parseCursor, START } from './cursor.ts';
import { OutboxEvent } from './model.ts';
import { typeFilter } from './types.ts';

export interface NewEvent {
  tenantId: string;
  type: string;
  subject?: string | null;
  data: Record<string, unknown>;
}

// The head of an INSERT of events, for writers that must stay one statement (the ledger's movements,
// issuances): `${INSERT_EVENTS} SELECT tenant_id, type, subject, data FROM ...`. The outbox's columns
// are named here only.
export const INSERT_EVENTS = 'INSERT INTO events (tenant_id, type, subject, data)';

export async function recordEvent(
  trx: Transaction,
  event: NewEvent,
): Promise<{ id: number; createdAt: Date }> {
  const row = await OutboxEvent.query(trx)
    .insert({ tenantId: event.tenantId, type: event.type, subject: event.subject ?? null, data: event.data })
    .returning(['id', 'createdAt']);
  return { id: Number(row.id), createdAt: row.createdAt };
}

// Many events in one INSERT, for writers of a batch (a synced page of members): one JSON parameter, as
// binding thousands of values would cost more than the insert.
export async function recordEvents(trx: Transaction, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await trx.raw(
    `${INSERT_EVENTS} SELECT v.tenant_id, v.type, v.subject, v.data
     FROM jsonb_to_recordset(CAST(? AS jsonb)) AS v(tenant_id uuid, type text, subject text, data jsonb)`,
    [
      JSON.stringify(
        events.map((event) => ({
          tenant_id: event.tenantId,
          type: event.type,
          subject: event.subject ?? null,
          data: event.data,
        })),
      ),
    ],
  );
}

export interface CommittedEvent {
  id: number;
  tenantId: string;
  cursor: EventCursor;
  type: string;
  subject: string | null;
  data: Record<string, unknown>;
  createdAt: Date;
}

export interface CommittedQuery {
  after: EventCursor;
  // Every tenant's events when left out (the fan-out and the live hub serve all tenants).
  tenantId?: string;
  types?: readonly string[];
  limit: number;
}

// The transaction id as text: xid8 has no JavaScript type, and the cursor carries it as digits.
type WithTxText = OutboxEvent & { txText: string };

// The hot query of every outbox reader. Only rows below the oldest running transaction's id (the
// snapshot's xmin) are returned: every such transaction has ended, so no row can later appear before
// the returned cursor. Ordered by (tx_id, id), which the events_feed index serves per tenant.
export async function readCommitted(db: Queryable, query: CommittedQuery): Promise<CommittedEvent[]> {
  const filter = typeFilter(query.types ?? []);
  const rows = await OutboxEvent.query(db)
    .select('id', 'tenantId', db.raw('tx_id::text AS tx_text'), 'type', 'subject', 'data', 'createdAt')
    .modify((builder) => {
      if (query.tenantId) builder.where('tenant_id', query.tenantId);
      if (filter) {
        builder.where((inner) => {
          inner.whereIn('type', filter.exact);
          if (filter.prefixes.length) inner.orWhereRaw('type LIKE ANY (?)', [filter.prefixes]);
        });
      }
    })
    .whereRaw('(tx_id, id) > (?::xid8, ?)', [query.after.tx, query.after.id])
    .whereRaw('tx_id < pg_snapshot_xmin(pg_current_snapshot())')
    // The text alias above must not be named tx_id: ORDER BY would then sort the text, and 10 < 9.
    .orderBy([{ column: 'tx_id' }, { column: 'id' }])
    .limit(query.limit)
    .castTo<WithTxText[]>();
  return rows.map((row) => ({
    id: Number(row.id),
    tenantId: row.tenantId,
    cursor: { tx: row.txText, id: Number(row.id) },
    type: row.type,
    subject: row.subject,
    data: row.data,
    createdAt: row.createdAt,
  }));
}

// The newest committed position: a reader that starts here sees only what commits from now on.
export async function newestCommitted(db: Queryable): Promise<EventCursor> {
  const row = await OutboxEvent.query(db)
    .select('id', db.raw('tx_id::text AS tx_text'))
    .whereRaw('tx_id < pg_snapshot_xmin(pg_current_snapshot())')
    .orderBy([
      { column: 'tx_id', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .first()
    .castTo<WithTxText | undefined>();
  return row ? { tx: row.txText, id: Number(row.id) } : START;
}

export interface StoredEvent {
  id: string;
  cursor: string;
  type: string;
  subject: string | null;
  data: Record<string, unknown>;
  createdAt: string;
}

export const presentEvent = (event: CommittedEvent): StoredEvent => ({
  id: String(event.id),
  cursor: formatCursor(event.cursor),
  type: event.type,
  subject: event.subject,
  data: event.data,
  createdAt: event.createdAt.toISOString(),
});

// A cursor given by a client; 400 invalid_cursor when it is not one this outbox could have given.
export function clientCursor(text: string | undefined): EventCursor {
  if (text === undefined) return START;
  const cursor = parseCursor(text);
  if (!cursor) throw domainError(400, 'invalid_cursor', 'The cursor is not one this feed returned');
  return cursor;
}

// One tenant's committed events for GET /v1/events.
export async function readEvents(
  db: Database,
  query: { tenantId: string; after?: string; types?: string[]; limit: number },
): Promise<StoredEvent[]> {
  const events = await readCommitted(db, { ...query, after: clientCursor(query.after) });
  return events.map(presentEvent);
}
