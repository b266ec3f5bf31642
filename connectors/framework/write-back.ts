// Owns the write-back: committed events of the connection's tenant, read from the outbox after the
// connection's own cursor (as the webhook fan-out does), handed to the connector in batches. The cursor
// moves past a batch once the connector has taken it; the records it could not write are reported on
// the run, not retried forever.

import type { Database } from '../../core/db/database.ts';
import { formatCursor } from '../../core/events/cursor.ts';
import { clientCursor, presentEvent, readCommitted } from '../../core/events/outbox.ts';
import type { Connector, WriteBackContext } from './connector.ts';
import { Connection, type RecordError } from './model.ts';

const BATCH = 200;

// `cursor`: where the connection's write-back stopped, as its row was read when the run started.
export async function writeBack(
  db: Database,
  connector: Connector,
  context: WriteBackContext<Record<string, unknown>, Record<string, unknown>>,
  cursor: string | null,
): Promise<RecordError[]> {
  const { connection } = context;
  const types = connector.describe.writeBackTypes ?? [];
  if (!connector.writeBack || types.length === 0) return [];
  let after = clientCursor(cursor ?? undefined);
  const failed: RecordError[] = [];
  for (;;) {
    const events = await readCommitted(db, {
      after,
      tenantId: connection.tenantId,
      types,
      limit: BATCH,
    });
    if (events.length === 0) break;
    failed.push(...(await connector.writeBack(context, events.map(presentEvent))));
    after = events[events.length - 1].cursor;
    await Connection.query(db)
      .findById(connection.id)
      .patch({ writeBackCursor: formatCursor(after) });
    if (events.length < BATCH) break;
  }
  return failed;
}
