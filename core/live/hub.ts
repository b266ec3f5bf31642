// Owns a process's side of the live feed: it LISTENs for committed events, reads them from the outbox in
// commit-safe order (the events table is the source of truth; a notification only says "read now") and
// hands each to the connections of this process.
import pg from 'pg';
import type { Logger } from 'pino';
import type { Database } from '../db/database.ts';
import { type CommittedEvent, newestCommitted, readCommitted } from '../events/outbox.ts';
import type { LiveEvent } from './channels.ts';

const BATCH = 1000;
// Reads also run on a timer: events held back behind a transaction that records none are released
// when it ends, without a notification of their own.
const POLL_MS = 500;

const toLive = (event: CommittedEvent): LiveEvent => ({
  tenantId: event.tenantId,
  position: event.cursor,
  event: {
    id: String(event.id),
    type: event.type,
    createdAt: event.createdAt.toISOString(),
    data: event.data,
  },
});

export interface Hub {
  stop: () => Promise<void>;
}

export async function startHub(
  db: Database,
  logger: Logger,
  deliver: (events: LiveEvent[]) => void,
): Promise<Hub> {
  let cursor = await newestCommitted(db);
  let reading: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  const readAll = async () => {
    do {
      again = false;
      for (;;) {
        const events = await readCommitted(db, { after: cursor, limit: BATCH });
        if (events.length === 0) break;
        cursor = events[events.length - 1].cursor;
        deliver(events.map(toLive));
        if (events.length < BATCH) break;
      }
    } while (again && !stopped);
  };
  // One read at a time; a wake-up during a read asks for one more.
  const wake = () => {
    if (stopped) return;
    if (reading) {
      again = true;
      return;
    }
    reading = readAll()
      .catch((error) => logger.error({ err: error }, 'live feed read failed'))
      .finally(() => {
        reading = null;
      });
  };

  const listener = new pg.Client(db.client.config.connection);
  const listen = async () => {
    await listener.connect();
    listener.on('notification', wake);
    await listener.query('LISTEN tessera_events');
  };
  await listen();
  listener.on('error', (error) => logger.error({ err: error }, 'live feed listener failed; polling only'));
  const timer = setInterval(wake, POLL_MS);
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await reading;
      await listener.end().catch(() => {});
    },
  };
}
