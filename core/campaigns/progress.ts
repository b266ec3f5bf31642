// Owns the stored progress of a member towards a campaign's rule, and the row lock that orders the
// events and issuances of one member for one campaign.
import type { Transaction } from '../db/database.ts';
import { CampaignProgress } from './model.ts';
import type { ProgressState } from './rules.ts';

// The member's progress row, created on first use and locked until commit: two events of one member
// for one campaign are counted one after the other, never both against the same state. The upsert
// touches the row so that it takes the lock in the same statement that creates it.
export async function lockProgress(
  trx: Transaction,
  campaignId: string,
  memberId: string,
): Promise<ProgressState> {
  const row = (await CampaignProgress.query(trx)
    .insert({ campaignId, memberId })
    .onConflict(['campaignId', 'memberId'])
    .merge({ updatedAt: trx.fn.now() as unknown as Date })
    .returning(['entries', 'carried'])
    .first()) as CampaignProgress;
  return { entries: row.entries, carried: Number(row.carried) };
}

export async function saveProgress(
  trx: Transaction,
  campaignId: string,
  memberId: string,
  state: ProgressState,
) {
  await CampaignProgress.query(trx)
    .findById([campaignId, memberId])
    .patch({ entries: state.entries, carried: state.carried, updatedAt: trx.fn.now() as unknown as Date });
}
