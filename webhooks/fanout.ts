// Owns the fan-out: committed outbox events become one message per matching enabled endpoint, due at
// once, in one transaction with the fan-out's cursor; its commit wakes the dispatchers. A crash at any point
// replays from the cursor (messages are unique per endpoint and event), so no event is lost or doubled.
import type { Database, Transaction } from '../core/db/database.ts';
import { type CommittedEvent, readCommitted } from '../core/events/outbox.ts';
import { typeMatches } from '../core/events/types.ts';
import { WebhookEndpoint, WebhookMessage } from './model.ts';
import { wakeDispatchers } from './queue.ts';

type Subscriber = Pick<WebhookEndpoint, 'id' | 'tenantId' | 'partnerId' | 'eventTypes'>;

export const TEST_EVENT = 'webhook.test';

// A partner's endpoint receives only events about that partner; a test event only its own endpoint.
function subscribed(endpoint: Subscriber, event: CommittedEvent): boolean {
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

async function createMessages(trx: Transaction, events: CommittedEvent[]): Promise<number> {
  const tenants = [...new Set(events.map((e) => e.tenantId))];
  const endpoints: Subscriber[] = await WebhookEndpoint.query(trx)
    .select('id', 'tenantId', 'partnerId', 'eventTypes')
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
  // The query builder, not the model: after ON CONFLICT DO NOTHING the model answers every row it was
  // given, and only the rows the database inserted are new.
  const created: Array<Pick<WebhookMessage, 'id'>> = await trx(WebhookMessage.tableName)
    .insert(rows)
    .onConflict(['endpointId', 'eventId'])
    .ignore()
    .returning(['id']);
  if (created.length) await wakeDispatchers(trx);
  return created.length;
}

const BATCH = 500;

// One batch; `more` says it was full, so others may be waiting. The cursor row's lock lets one
// process fan out at a time; the others skip. The cursor row holds an xid8, which only SQL can compare,
// so it is read and written as SQL here, its one reader and writer.
export async function fanOutOnce(db: Database): Promise<{ messages: number; more: boolean }> {
  return db.transaction(async (trx) => {
    const cursor = await trx('webhook_fanout').where({ id: 1 }).forUpdate().skipLocked().first();
    if (!cursor) return { messages: 0, more: false };
    const events = await readCommitted(trx, {
      after: { tx: cursor.afterTx, id: Number(cursor.afterId) },
      limit: BATCH,
    });
    if (events.length === 0) return { messages: 0, more: false };
    const messages = await createMessages(trx, events);
    const last = events[events.length - 1];
    await trx.raw('UPDATE webhook_fanout SET after_tx = ?::xid8, after_id = ? WHERE id = 1', [
      last.cursor.tx,
      last.cursor.id,
    ]);
    return { messages, more: events.length === BATCH };
  });
}
