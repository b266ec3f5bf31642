// Owns creating deliveries: committed `issuance.fulfilled` and `issuance.reissued` events become one
// queued delivery per issuance and voucher code (a reissued code is sent too), in one transaction with the fan-out's cursor, for tenants with an active message provider;
// its commit wakes the dispatchers. Issuing a reward does no delivery work of its own. A crash replays
// from the cursor (a delivery is unique per issuance), so no reward is messaged twice or forgotten.
import type { Database, Transaction } from '../db/database.ts';
import { readCommitted } from '../events/outbox.ts';
import { wakeDispatchers } from './queue.ts';

const BATCH = 500;

// Rewards whose tenant has a provider of some channel get a delivery; others are not Tessera's to send.
async function createDeliveries(trx: Transaction, issuanceIds: string[]): Promise<number> {
  const result = await trx.raw(
    `INSERT INTO deliveries (tenant_id, issuance_id, code_id, campaign_id, member_id, member_ref, partner_id, kind)
     SELECT i.tenant_id, i.id, i.voucher_code_id, i.campaign_id, i.member_id, i.member_ref, o.partner_id,
            i.reward ->> 'type'
       FROM issuances i
       LEFT JOIN offers o ON o.id = CAST(i.reward ->> 'offerId' AS uuid)
      WHERE i.id = ANY (CAST(? AS uuid[]))
        AND EXISTS (SELECT 1 FROM connections c
                     WHERE c.tenant_id = i.tenant_id AND c.channel IS NOT NULL AND c.status = 'active')
     ON CONFLICT (issuance_id, code_id) DO NOTHING`,
    [issuanceIds],
  );
  if (result.rowCount) await wakeDispatchers(trx);
  return result.rowCount ?? 0;
}

// One batch; `more` says it was full. The cursor row's lock lets one process fan out at a time. A batch
// that finds fewer events than it asked for has read every fulfilled reward below the horizon taken
// before it, so the cursor moves there: the next batch does not scan the other events again.
export async function fanOutDeliveries(db: Database): Promise<{ deliveries: number; more: boolean }> {
  return db.transaction(async (trx) => {
    const cursor = await trx('delivery_fanout').where({ id: 1 }).forUpdate().skipLocked().first();
    if (!cursor) return { deliveries: 0, more: false };
    const { rows } = await trx.raw('SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon');
    const events = await readCommitted(trx, {
      after: { tx: cursor.afterTx, id: Number(cursor.afterId) },
      types: ['issuance.fulfilled', 'issuance.reissued'],
      limit: BATCH,
    });
    const deliveries = events.length
      ? await createDeliveries(trx, [...new Set(events.map((event) => String(event.data.issuanceId)))])
      : 0;
    const full = events.length === BATCH;
    const last = events[events.length - 1];
    // The further of the last event read and the horizon: an event read may lie past the horizon.
    await trx.raw(
      `UPDATE delivery_fanout SET (after_tx, after_id) = (
         SELECT t, i FROM (VALUES (CAST(? AS xid8), CAST(? AS bigint)), (CAST(? AS xid8), 0)) AS v(t, i)
          ORDER BY t DESC, i DESC LIMIT 1)
        WHERE id = 1`,
      [
        last?.cursor.tx ?? cursor.afterTx,
        last?.cursor.id ?? cursor.afterId,
        full ? (last?.cursor.tx ?? cursor.afterTx) : rows[0].horizon,
      ],
    );
    return { deliveries, more: full };
  });
}
