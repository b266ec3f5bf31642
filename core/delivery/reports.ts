// Owns providers' status reports (Twilio's status callbacks, WhatsApp's status webhooks): each kept
// once, then applied to the send it reports on through the transition table, so a repeated report is
// a no-op and a late `sent` never takes a delivered message back. A report that comes before its send
// is recorded (the provider can be faster than the worker's commit) waits and applies when it is.
import type { Config } from '../config.ts';
import type { Database, Transaction } from '../db/database.ts';
import { INSERT_EVENTS } from '../events/outbox.ts';
import type { Channel } from '../tenancy/settings.ts';
import { DELIVERY_EVENT, failOnChannel } from './fallback.ts';
import { canMove, type Delivery } from './model.ts';

export interface StatusReport {
  connectionId: string;
  providerId: string;
  status: 'sent' | 'delivered' | 'failed';
  transient?: boolean;
  reason?: string | null;
  error?: string | null;
}

type Applied = 'applied' | 'ignored' | 'waiting';

async function markDelivered(trx: Transaction, delivery: Delivery) {
  await trx.raw(
    `WITH d AS (
       UPDATE deliveries d SET status = 'delivered', delivered_at = now(), updated_at = now()
        WHERE d.id = ? RETURNING d.*)
     ${INSERT_EVENTS} SELECT d.tenant_id, 'delivery.delivered', CAST(d.id AS text), ${DELIVERY_EVENT} FROM d`,
    [delivery.id],
  );
}

async function apply(trx: Transaction, config: Config, report: StatusReport): Promise<Applied> {
  const delivery: Delivery | undefined = await trx('deliveries')
    .where({ connectionId: report.connectionId, providerId: report.providerId })
    .forUpdate()
    .first();
  if (!delivery) return 'waiting';
  if (report.status === 'sent' || !canMove(delivery.status, report.status)) return 'ignored';
  await trx('deliveryAttempts')
    .where({ deliveryId: delivery.id, providerId: report.providerId })
    .update({
      outcome: report.status === 'delivered' ? 'delivered' : report.transient ? 'transient' : 'failed',
      reason: report.reason ?? null,
      error: report.error ?? null,
    });
  if (report.status === 'delivered') {
    await markDelivered(trx, delivery);
    return 'applied';
  }
  await failOnChannel(trx, config, delivery, {
    channel: delivery.channel as Channel,
    transient: report.transient ?? false,
    reason: report.reason ?? 'undeliverable',
    detail: report.error ?? 'The provider could not deliver the message',
  });
  return 'applied';
}

export interface ReportCounts {
  applied: number;
  ignored: number;
  waiting: number;
  duplicates: number;
}

// Keeps each report once and applies the new ones, in one transaction.
export async function receiveReports(
  db: Database,
  config: Config,
  reports: StatusReport[],
): Promise<ReportCounts> {
  const counts: ReportCounts = { applied: 0, ignored: 0, waiting: 0, duplicates: 0 };
  await db.transaction(async (trx) => {
    for (const report of reports) {
      const kept = await trx('deliveryReports')
        .insert({
          connectionId: report.connectionId,
          providerId: report.providerId,
          status: report.status,
          transient: report.transient ?? false,
          reason: report.reason ?? null,
          error: report.error ?? null,
        })
        .onConflict(['connectionId', 'providerId', 'status'])
        .ignore()
        .returning('providerId');
      if (kept.length === 0) counts.duplicates += 1;
      else counts[await apply(trx, config, report)] += 1;
    }
  });
  return counts;
}

// Reports that came for these sends before they were recorded, applied now in the order they came.
export async function applyWaitingReports(
  trx: Transaction,
  config: Config,
  sent: Array<{ connectionId: string; providerId: string }>,
): Promise<void> {
  const waiting: StatusReport[] = await trx('deliveryReports')
    .whereIn(
      ['connectionId', 'providerId'],
      sent.map((s) => [s.connectionId, s.providerId]),
    )
    .orderBy('receivedAt');
  for (const report of waiting) await apply(trx, config, report);
}

// How long a report is kept: one still waiting by then reports on a send that was never recorded.
export const REPORT_KEPT_DAYS = 30;

export async function purgeReports(db: Database) {
  const purged = await db('deliveryReports')
    .where('receivedAt', '<', db.raw(`now() - make_interval(days => ${REPORT_KEPT_DAYS})`))
    .delete();
  return { purged };
}
