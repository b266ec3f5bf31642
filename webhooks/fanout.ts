// Owns the fan-out: committed outbox events become one message per matching enabled endpoint, and each
// message its first delivery job, in one transaction with the fan-out's cursor. A crash at any point
// replays from the cursor (messages are unique per endpoint and event), so no event is lost or doubled.
import type { PgBoss } from 'pg-boss';
import { type Database, rowsOf, type Transaction } from '../core/db/database.ts';
import type { EndpointRow } from './delivery.ts';
import { enqueueDeliveries } from './queue.ts';

interface EventRow {
  id: number;
  tenantId: string;
  txText: string;
  type: string;
  data: Record<string, unknown>;
  createdAt: Date;
}

type Subscriber = EndpointRow & { eventTypes: string[] };

// `*` matches every type, `a.*` every type under `a.`, anything else itself.
function typeMatches(patterns: string[], type: string): boolean {
  return patterns.some(
    (p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))),
  );
}

export const TEST_EVENT = 'webhook.test';

// A partner's endpoint receives only events about that partner; a test event only its own endpoint.
function subscribed(endpoint: Subscriber, event: EventRow): boolean {
  if (event.type === TEST_EVENT) return event.data.endpointId === endpoint.id;
  if (endpoint.tenantId !== event.tenantId || !typeMatches(endpoint.eventTypes, event.type)) return false;
  return endpoint.partnerId === null || event.data.partnerId === endpoint.partnerId;
}

export function messageBody(event: { id: number | string; type: string; createdAt: Date; data: unknown }) {
  return JSON.stringify({
    id: String(event.id),
    type: event.type,
    createdAt: event.createdAt.toISOString(),
    data: event.data,
  });
}

// Only events below the oldest running transaction: none can commit later with a smaller position.
async function committedEvents(trx: Transaction, batch: number): Promise<EventRow[]> {
  const result = await trx.raw(
    `SELECT e.id, e.tenant_id, e.tx_id::text AS tx_text, e.type, e.data, e.created_at
       FROM events e, webhook_fanout f
      WHERE (e.tx_id, e.id) > (f.after_tx, f.after_id) AND e.tx_id < pg_snapshot_xmin(pg_current_snapshot())
      ORDER BY e.tx_id, e.id LIMIT ?`,
    [batch],
  );
  return rowsOf<EventRow>(result);
}

async function createMessages(boss: PgBoss, trx: Transaction, events: EventRow[]): Promise<number> {
  const tenants = [...new Set(events.map((e) => e.tenantId))];
  const endpoints: Subscriber[] = await trx('webhook_endpoints')
    .where({ enabled: true })
    .whereIn('tenantId', tenants);
  const rows = events.flatMap((event) =>
    endpoints
      .filter((endpoint) => subscribed(endpoint, event))
      .map((endpoint) => ({
        tenantId: event.tenantId,
        endpointId: endpoint.id,
        eventId: event.id,
        eventType: event.type,
        body: messageBody(event),
      })),
  );
  if (rows.length === 0) return 0;
  const created: Array<{ id: string; endpointId: string }> = await trx('webhook_messages')
    .insert(rows)
    .onConflict(['endpointId', 'eventId'])
    .ignore()
    .returning(['id', 'endpointId']);
  await enqueueDeliveries(
    boss,
    trx,
    created.map((m) => ({ messageId: m.id, attempt: 1, endpointId: m.endpointId })),
  );
  return created.length;
}

const BATCH = 500;

// One batch; `more` says it was full, so others may be waiting. The cursor row's lock lets one
// process fan out at a time; the others skip.
export async function fanOutOnce(db: Database, boss: PgBoss): Promise<{ messages: number; more: boolean }> {
  return db.transaction(async (trx) => {
    const cursor = await trx('webhook_fanout').where({ id: 1 }).forUpdate().skipLocked().first();
    if (!cursor) return { messages: 0, more: false };
    const events = await committedEvents(trx, BATCH);
    if (events.length === 0) return { messages: 0, more: false };
    const messages = await createMessages(boss, trx, events);
    const last = events[events.length - 1];
    await trx.raw('UPDATE webhook_fanout SET after_tx = ?::xid8, after_id = ? WHERE id = 1', [
      last.txText,
      last.id,
    ]);
    return { messages, more: events.length === BATCH };
  });
}
