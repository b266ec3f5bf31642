// Owns a campaign's governance counters: a reward's share of the cap and budget is taken when its
// issuance is created and given back when it is rejected or fails. One conditional UPDATE of the
// campaign row takes it, so caps and budget hold exactly under any concurrency, and only issuances of
// the same campaign wait for one another.
//
// The counters are claim queries on the campaigns table: they stay on the query builder here, typed by
// CampaignCounters (which core/campaigns' model implements), because core/campaigns imports this
// module and the dependency runs one way.
import type { Transaction } from '../db/database.ts';
import { recordEvent } from '../events/outbox.ts';
import { Issuance } from './model.ts';

export type Refusal =
  | 'campaign_not_active'
  | 'campaign_cap_reached'
  | 'budget_exhausted'
  | 'member_cap_reached'
  // The voucher's partner or offer is not for this member.
  | 'not_eligible';

export interface CampaignCounters {
  id: string;
  tenantId: string;
  name: string;
  status: string;
  maxRewards: number | null;
  budget: number | null;
  rewardCost: number;
  rewardsTaken: number;
  budgetTaken: number;
  memberCapCount: number | null;
  memberCapPeriodDays: number | null;
}

// The member's live issuances (not rejected or failed) in the cap's period; the caller holds the
// member's progress lock, so no concurrent issuance for the same member can slip in between.
export async function memberCapReached(trx: Transaction, campaign: CampaignCounters, memberId: string) {
  if (!campaign.memberCapCount) return false;
  const row = await Issuance.query(trx)
    .where({ campaignId: campaign.id, memberId })
    .whereNotIn('status', ['rejected', 'failed'])
    .modify((q) => {
      if (campaign.memberCapPeriodDays)
        q.where(
          'createdAt',
          '>',
          trx.raw(`now() - make_interval(days => ?)`, [campaign.memberCapPeriodDays]),
        );
    })
    .count('* as count')
    .first()
    .castTo<{ count: string }>();
  return Number(row?.count ?? 0) >= campaign.memberCapCount;
}

async function announceLimits(trx: Transaction, c: CampaignCounters) {
  const data = { campaignId: c.id, name: c.name, rewardsTaken: c.rewardsTaken, budgetTaken: c.budgetTaken };
  if (c.maxRewards !== null && c.rewardsTaken === c.maxRewards)
    await recordEvent(trx, { tenantId: c.tenantId, type: 'campaign.cap_reached', subject: c.id, data });
  const left = c.budget === null ? null : c.budget - c.budgetTaken;
  // Taking this share left less than one more reward: the budget is exhausted from now on.
  if (left !== null && left < c.rewardCost)
    await recordEvent(trx, { tenantId: c.tenantId, type: 'campaign.budget_exhausted', subject: c.id, data });
}

// Takes one reward's share, or says why not; `spentNow` counts it fulfilled in the same statement.
export async function takeShare(
  trx: Transaction,
  campaignId: string,
  cost: number,
  spentNow = false,
): Promise<{ ok: true; campaign: CampaignCounters } | { ok: false; refusal: Refusal }> {
  const [taken]: CampaignCounters[] = await trx('campaigns')
    .where({ id: campaignId, status: 'active' })
    .where((q) => q.whereNull('maxRewards').orWhereRaw('rewards_taken < max_rewards'))
    .where((q) => q.whereNull('budget').orWhereRaw('budget_taken + ? <= budget', [cost]))
    .increment(
      spentNow
        ? { rewardsTaken: 1, budgetTaken: cost, rewardsFulfilled: 1, budgetSpent: cost }
        : { rewardsTaken: 1, budgetTaken: cost },
    )
    .returning('*');
  if (taken) {
    await announceLimits(trx, taken);
    return { ok: true, campaign: taken };
  }
  const campaign: CampaignCounters = await trx('campaigns').where({ id: campaignId }).first();
  if (campaign.status !== 'active') return { ok: false, refusal: 'campaign_not_active' };
  if (campaign.maxRewards !== null && campaign.rewardsTaken >= campaign.maxRewards)
    return { ok: false, refusal: 'campaign_cap_reached' };
  return { ok: false, refusal: 'budget_exhausted' };
}

export async function giveBack(trx: Transaction, campaignId: string, cost: number) {
  await trx('campaigns').where({ id: campaignId }).decrement({ rewardsTaken: 1, budgetTaken: cost });
}

export async function markSpent(trx: Transaction, campaignId: string, cost: number) {
  await trx('campaigns').where({ id: campaignId }).increment({ rewardsFulfilled: 1, budgetSpent: cost });
}

// The campaign's name, for the issuance events of a reward decided outside the engine (approval).
export async function campaignName(trx: Transaction, campaignId: string): Promise<string> {
  const campaign = await trx('campaigns').where({ id: campaignId }).first('name');
  return campaign.name;
}
