// Owns a process's side of the live feed: it LISTENs for committed events, reads them from the outbox in
// commit-safe order (the events table is the source of truth; a notification only says "read now") and
// hands each to the connections of this process.
import pg from 'pg';
import type { Logger } from 'pino';
import { type Database, rowsOf } from '../db/database.ts';
import type { LiveEvent } from './channels.ts';

const BATCH = 1000;
// Reads also run on a timer: events held back behind a transaction that records none are released
// when it ends, without a notification of their own.
const POLL_MS = 500;

interface EventRow {
  id: number;
  tenantId: string;
  txText: string;
  type: string;
  data: Record<string, unknown>;
  createdAt: Date;
}

const toLive = (row: EventRow): LiveEvent => ({
  tenantId: row.tenantId,
  cursor: `${row.txText}_${row.id}`,
  event: { id: String(row.id), type: row.type, createdAt: row.createdAt.toISOString(), data: row.data },
});

async function newestCursor(db: Database): Promise<[string, number]> {
  const result = await db.raw(
    `SELECT tx_id::text AS tx_text, id FROM events WHERE tx_id < pg_snapshot_xmin(pg_current_snapshot())
      ORDER BY tx_id DESC, id DESC LIMIT 1`,
  );
  const row = rowsOf<{ txText: string; id: number }>(result)[0];
  return row ? [row.txText, Number(row.id)] : ['0', 0];
}

export interface Hub {
  stop: () => Promise<void>;
}

export async function startHub(
  db: Database,
  logger: Logger,
  deliver: (events: LiveEvent[]) => void,
): Promise<Hub> {
  let cursor = await newestCursor(db);
  let reading: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  const readAll = async () => {
    do {
      again = false;
      for (;;) {
        const result = await db.raw(
          `SELECT id, tenant_id, tx_id::text AS tx_text, type, data, created_at FROM events
            WHERE (tx_id, id) > (?::xid8, ?) AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
            ORDER BY tx_id, id LIMIT ?`,
          [cursor[0], cursor[1], BATCH],
        );
        const rows = rowsOf<EventRow>(result);
        if (rows.length === 0) break;
        const last = rows[rows.length - 1];
        cursor = [last.txText, Number(last.id)];
        deliver(rows.map(toLive));
        if (rows.length < BATCH) break;
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
