// Owns the delivery queue, which is the message table itself: a pending message is due at its
// next_attempt_at. One claim statement takes a batch of due messages, sets their send lease and answers
// them with their endpoints; a NOTIFY on commit wakes idle dispatchers.
import { type Database, type Queryable, rowsOf } from '../core/db/database.ts';
import type { EndpointRow } from './model.ts';

export const WAKE_CHANNEL = 'tessera_webhook_messages';

export interface ClaimedMessage {
  endpoint: EndpointRow;
  message: { id: string; endpointId: string; body: string; attempts: number };
}

// Inside the transaction that made messages due: dispatchers listening wake once it commits.
export async function wakeDispatchers(trx: Queryable): Promise<void> {
  await trx.raw('SELECT pg_notify(?, ?)', [WAKE_CHANNEL, '']);
}

export interface ClaimLimits {
  // Sends this process can start now.
  free: number;
  // Sends in flight in this process, per endpoint, and the most one endpoint may have.
  busy: ReadonlyMap<string, number>;
  perEndpoint: number;
  leaseSeconds: number;
}

// Due messages, oldest first, at most `perEndpoint` in flight for one endpoint in this process; a leased
// one waits for its lease to lapse (its sender died). The candidates are read without locks (locking
// rows that are then not chosen cost more than the claim itself); the UPDATE takes each chosen row's lock
// and checks it again, so a message two dispatchers both chose is claimed by one of them only.
export async function claimDue(db: Database, limits: ClaimLimits): Promise<ClaimedMessage[]> {
  const full = [...limits.busy].filter(([, n]) => n >= limits.perEndpoint).map(([id]) => id);
  const result = await db.raw(
    `WITH candidates AS (
       SELECT * FROM webhook_due_messages(?, CAST(? AS uuid[]))
     ), chosen AS (
       SELECT id FROM (
         SELECT c.id, c.next_attempt_at,
                row_number() OVER (PARTITION BY c.endpoint_id ORDER BY c.next_attempt_at, c.id)
                  + coalesce(CAST(CAST(? AS jsonb) ->> CAST(c.endpoint_id AS text) AS integer), 0) AS slot
           FROM candidates c) ranked
        WHERE slot <= ?
        ORDER BY next_attempt_at, id
        LIMIT ?
     )
     UPDATE webhook_messages m SET sending_until = now() + make_interval(secs => ?)
       FROM chosen, webhook_endpoints e
      WHERE m.id = chosen.id AND e.id = m.endpoint_id
        AND m.status = 'pending' AND (m.sending_until IS NULL OR m.sending_until <= now())
     RETURNING m.id AS message_id, m.body, m.attempts, e.*`,
    [
      Math.max(limits.free * 4, 50),
      full,
      JSON.stringify(Object.fromEntries(limits.busy)),
      limits.perEndpoint,
      limits.free,
      limits.leaseSeconds,
    ],
  );
  return rowsOf<EndpointRow & { messageId: string; body: string; attempts: number }>(result).map(
    ({ messageId, body, attempts, ...endpoint }) => ({
      endpoint,
      message: { id: messageId, endpointId: endpoint.id, body, attempts },
    }),
  );
}
