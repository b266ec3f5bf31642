// Owns redemption stats: counts and amounts grouped by day, partner, offer, channel, tier or validation
// method. Settled redemptions are rolled up into daily aggregates up to a per-tenant watermark (the
// `redemption-rollup` schedule); the stats read those aggregates and the rows past the watermark or
// still pending, so they stay fast over millions of rows and survive retention's anonymisation.
import type { Database, Queryable } from '../db/database.ts';
import type { Scope } from '../tenancy/scope.ts';

export const GROUPS = {
  day: "to_char(day, 'YYYY-MM-DD')",
  partner: 'CAST(partner_id AS text)',
  offer: 'CAST(offer_id AS text)',
  channel: 'channel',
  tier: 'tier_token',
  validationMethod: 'validation_method',
} as const;
export type GroupBy = keyof typeof GROUPS;

// Rows that last changed this long ago are settled for good: a transaction still open cannot add one
// behind the watermark.
const SETTLE_MARGIN = "interval '5 minutes'";

// Adds the settled redemptions changed since the tenant's watermark to the daily aggregates and moves
// the watermark; one tenant at a time, its watermark row locked.
export async function rollUp(db: Database, tenantId: string): Promise<number> {
  return db.transaction(async (trx) => {
    await trx.raw(
      `INSERT INTO redemption_rollup (tenant_id, until) VALUES (?, '-infinity') ON CONFLICT (tenant_id) DO NOTHING`,
      [tenantId],
    );
    await trx.raw('SELECT 1 FROM redemption_rollup WHERE tenant_id = ? FOR UPDATE', [tenantId]);
    const result = await trx.raw(
      `WITH settled AS (
         SELECT tenant_id, CAST(occurred_at AT TIME ZONE 'UTC' AS date) AS day, partner_id, offer_id, channel,
                tier_token, validation_method, status, count(*) AS count, coalesce(sum(amount), 0) AS amount
           FROM redemptions
          WHERE tenant_id = ? AND status <> 'pending' AND updated_at < now() - ${SETTLE_MARGIN}
            AND updated_at >= (SELECT until FROM redemption_rollup WHERE tenant_id = ?)
          GROUP BY 1, 2, 3, 4, 5, 6, 7, 8)
       INSERT INTO redemption_daily AS d (tenant_id, day, partner_id, offer_id, channel, tier_token,
              validation_method, status, count, amount)
       SELECT * FROM settled
       ON CONFLICT (tenant_id, day, partner_id, offer_id, channel, tier_token, validation_method, status)
       DO UPDATE SET count = d.count + EXCLUDED.count, amount = d.amount + EXCLUDED.amount`,
      [tenantId, tenantId],
    );
    await trx.raw(`UPDATE redemption_rollup SET until = now() - ${SETTLE_MARGIN} WHERE tenant_id = ?`, [
      tenantId,
    ]);
    return result.rowCount ?? 0;
  });
}

export async function rollUpAll(db: Database) {
  const tenants = await db('redemptions').distinct('tenantId');
  let groups = 0;
  for (const { tenantId } of tenants) groups += await rollUp(db, tenantId);
  return { groups };
}

export interface StatsQuery {
  groupBy: GroupBy;
  // Whole UTC days: from inclusive, to exclusive.
  from: string;
  to: string;
  partnerId?: string;
}

export async function redemptionStats(db: Queryable, scope: Scope, query: StatsQuery) {
  const partnerId = scope.role === 'partner' ? scope.partnerId : (query.partnerId ?? null);
  const key = GROUPS[query.groupBy];
  const { rows } = await db.raw(
    `WITH w AS (SELECT coalesce((SELECT until FROM redemption_rollup WHERE tenant_id = :tenant), '-infinity') AS until),
     -- The rows not yet in the aggregates, read by index: changed since the watermark, or still pending.
     counted AS (
       SELECT day, partner_id, offer_id, channel, tier_token, validation_method, status, count, amount
         FROM redemption_daily
        WHERE tenant_id = :tenant AND day >= CAST(:from AS date) AND day < CAST(:to AS date)
          AND (CAST(:partner AS uuid) IS NULL OR partner_id = CAST(:partner AS uuid))
       UNION ALL
       SELECT CAST(r.occurred_at AT TIME ZONE 'UTC' AS date), r.partner_id, r.offer_id, r.channel, r.tier_token,
              r.validation_method, r.status, 1, coalesce(r.amount, 0)
         FROM (SELECT r.* FROM redemptions r, w
                WHERE r.tenant_id = :tenant AND r.updated_at >= w.until AND r.status <> 'pending'
               UNION ALL
               SELECT * FROM redemptions WHERE tenant_id = :tenant AND status = 'pending') r
        WHERE r.occurred_at >= CAST(:from AS date) AND r.occurred_at < CAST(:to AS date)
          AND (CAST(:partner AS uuid) IS NULL OR r.partner_id = CAST(:partner AS uuid)))
     SELECT ${key} AS key, sum(count) AS redemptions,
            coalesce(sum(count) FILTER (WHERE status = 'successful'), 0) AS successful,
            coalesce(sum(count) FILTER (WHERE status = 'pending'), 0) AS pending,
            coalesce(sum(count) FILTER (WHERE status = 'failed'), 0) AS failed,
            coalesce(sum(amount) FILTER (WHERE status = 'successful'), 0) AS amount
       FROM counted GROUP BY 1 ORDER BY 1`,
    { tenant: scope.tenantId, from: query.from, to: query.to, partner: partnerId },
  );
  return {
    groupBy: query.groupBy,
    from: query.from,
    to: query.to,
    data: (rows as Array<Record<string, string | null>>).map((row) => ({
      key: row.key,
      redemptions: Number(row.redemptions),
      successful: Number(row.successful),
      pending: Number(row.pending),
      failed: Number(row.failed),
      amount: Number(row.amount),
    })),
  };
}
