// Owns the expiry sweep: reservations past their time are voided in batches, on any number of servers.
import type { Database } from '../db/database.ts';
import { expireReservations } from './transfers.ts';

// Each batch commits on its own; SKIP LOCKED lets several servers sweep side by side.
export async function sweepExpiredReservations(db: Database, batch = 200): Promise<number> {
  let total = 0;
  for (;;) {
    const expired = await db.transaction((trx) => expireReservations(trx, undefined, batch));
    total += expired.length;
    if (expired.length < batch) return total;
  }
}
