// Owns redemption retention: redemptions that occurred more than the tenant's `redemptions.retentionDays`
// ago lose their personal details (member, store, location), after their counts are in the daily
// aggregates, which the stats keep reading. The rows stay for audit and complaints; who redeemed does not.
import type { Database } from '../db/database.ts';
import { readSettings } from '../tenancy/settings.ts';
import { rollUp } from './stats.ts';

export async function anonymiseExpired(db: Database) {
  const tenants = await db('redemptions').whereNull('anonymisedAt').distinct('tenantId');
  let anonymised = 0;
  for (const { tenantId } of tenants) {
    const { redemptions } = await readSettings(db, tenantId);
    await rollUp(db, tenantId);
    // The row's updated_at is kept: anonymising is not a change the aggregates should count again.
    const result = await db.raw(
      `UPDATE redemptions SET member_id = NULL, member_ref = NULL, store_id = NULL, location = NULL,
              otp_hash = NULL, anonymised_at = now()
        WHERE tenant_id = ? AND anonymised_at IS NULL AND status <> 'pending'
          AND occurred_at < now() - make_interval(days => ?)
          AND updated_at < (SELECT until FROM redemption_rollup WHERE tenant_id = ?)`,
      [tenantId, redemptions.retentionDays, tenantId],
    );
    anonymised += result.rowCount ?? 0;
  }
  return { anonymised };
}
