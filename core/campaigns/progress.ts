// Owns the stored progress of a member towards a campaign's rule, and the row lock that orders the
// events and issuances of one member for one campaign.
import type { Transaction } from '../db/database.ts';
import type { ProgressState } from './rules.ts';

// The member's progress row, created on first use and locked until commit: two events of one member
// for one campaign are counted one after the other, never both against the same state.
export async function lockProgress(
  trx: Transaction,
  campaignId: string,
  memberId: string,
): Promise<ProgressState> {
  const result = await trx.raw(
    `INSERT INTO campaign_progress (campaign_id, member_id) VALUES (?, ?)
     ON CONFLICT (campaign_id, member_id) DO UPDATE SET updated_at = now()
     RETURNING entries, carried`,
    [campaignId, memberId],
  );
  const row = result.rows[0] as { entries: ProgressState['entries']; carried: string };
  return { entries: row.entries, carried: Number(row.carried) };
}

export async function saveProgress(
  trx: Transaction,
  campaignId: string,
  memberId: string,
  state: ProgressState,
) {
  await trx('campaignProgress')
    .where({ campaignId, memberId })
    .update({ entries: JSON.stringify(state.entries), carried: state.carried, updatedAt: trx.fn.now() });
}
