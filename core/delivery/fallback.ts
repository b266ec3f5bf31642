// Owns what a failure on a delivery's current channel does: a transient one is tried again on the
// retry schedule, and once that is spent, or for a permanent one, the delivery moves on to its next
// channel (an opt-out is kept on the member); and what a delivery event says.
import type { Config } from '../config.ts';
import type { Transaction } from '../db/database.ts';
import { nextDelayMs } from '../jobs/retry-schedule.ts';
import type { Channel } from '../tenancy/settings.ts';
import { wakeDispatchers } from './queue.ts';

// A delivery event's data, built from the row `d` the statement changed.
export const DELIVERY_EVENT = `jsonb_build_object('deliveryId', d.id, 'issuanceId', d.issuance_id,
  'campaignId', d.campaign_id, 'memberRef', d.member_ref, 'channel', d.channel, 'status', d.status,
  'failureReason', d.failure_reason, 'partnerId', d.partner_id)`;

// A failure on the delivery's current channel: try it again later, or move on to the next channel.
export async function failOnChannel(
  trx: Transaction,
  config: Config,
  row: { id: string; attempts: number; memberId: string },
  failure: { channel: Channel; reason: string; detail: string; transient: boolean; retryAfterMs?: number },
) {
  if (failure.transient) {
    const attempts = row.attempts + 1;
    const delay = nextDelayMs(config.deliveryRetrySchedule, attempts, failure.retryAfterMs ?? null);
    if (delay !== null) {
      await trx('deliveries')
        .where({ id: row.id })
        .update({
          status: 'queued',
          channel: failure.channel,
          attempts,
          nextAttemptAt: new Date(Date.now() + delay),
          sendingUntil: null,
          failureReason: failure.reason,
          failureDetail: failure.detail,
          updatedAt: trx.fn.now(),
        });
      return;
    }
    return failOnChannel(trx, config, row, { ...failure, transient: false, reason: 'retries_exhausted' });
  }
  await trx.raw(
    `UPDATE deliveries SET status = 'queued', channel = ?, tried = array_append(tried, ?), attempts = 0,
            next_attempt_at = now(), sending_until = NULL, failure_reason = ?, failure_detail = ?,
            updated_at = now()
      WHERE id = ?`,
    [failure.channel, failure.channel, failure.reason, failure.detail, row.id],
  );
  // A recipient who opted out of a channel is not sent to on it again until their record clears it.
  if (failure.reason === 'opted_out')
    await trx.raw(
      `UPDATE members SET opt_outs = array_append(opt_outs, ?), updated_at = now()
        WHERE id = ? AND NOT (? = ANY (opt_outs))`,
      [failure.channel, row.memberId, failure.channel],
    );
  await wakeDispatchers(trx);
}
