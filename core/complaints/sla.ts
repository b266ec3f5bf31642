// Owns complaints' SLA: the `complaint-sla` schedule that marks unresolved complaints past their due time
// breached, with one complaint.sla_breached event each, and the report of a period (open, breached,
// median minutes to resolve, per priority).
import type { Database, Queryable } from '../db/database.ts';
import type { Scope } from '../tenancy/scope.ts';
import { Complaint } from './model.ts';
import { announce } from './service.ts';

// Claims the breaches in the statement that records them, so a second run (or server) finds none.
export async function markBreaches(db: Database) {
  return db.transaction(async (trx) => {
    const breached = await Complaint.query(trx)
      .patch({ breachedAt: new Date() })
      .whereIn('status', ['open', 'in_progress'])
      .whereNull('breachedAt')
      .where('dueAt', '<', trx.fn.now())
      .returning('*');
    for (const row of breached as unknown as Complaint[]) await announce(trx, row, 'sla_breached');
    return breached.length ? { breached: breached.length } : undefined;
  });
}

export async function complaintReport(db: Queryable, scope: Scope, range: { from: Date; to: Date }) {
  const { rows } = await db.raw(
    `SELECT priority,
            count(*) FILTER (WHERE status IN ('open', 'in_progress'))::int AS open,
            count(*) FILTER (WHERE breached_at IS NOT NULL)::int AS breached,
            count(*) FILTER (WHERE resolved_at IS NOT NULL)::int AS resolved,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - created_at) / 60)
              FILTER (WHERE resolved_at IS NOT NULL) AS median_minutes
       FROM complaints WHERE tenant_id = ? AND created_at >= ? AND created_at < ?
      GROUP BY priority ORDER BY priority`,
    [scope.tenantId, range.from, range.to],
  );
  const byPriority = rows.map((row: Record<string, unknown>) => ({
    priority: row.priority,
    open: row.open,
    breached: row.breached,
    resolved: row.resolved,
    medianMinutesToResolve:
      row.median_minutes === null ? null : Math.round(Number(row.median_minutes) * 10) / 10,
  }));
  const sum = (key: 'open' | 'breached' | 'resolved') =>
    byPriority.reduce((total: number, row: Record<string, number>) => total + row[key], 0);
  return {
    from: range.from,
    to: range.to,
    open: sum('open'),
    breached: sum('breached'),
    resolved: sum('resolved'),
    byPriority,
  };
}
