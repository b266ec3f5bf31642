// Owns the "send reward" action (a Salesforce Flow, an admin): one issuance for a member under the
// campaign's governance, with the same dates, eligibility and caps a rule would face.
import type { Transaction } from '../db/database.ts';
import { domainError, notFound } from '../errors.ts';
import { issue } from '../issuance/service.ts';
import { findMember, type MemberInput, upsertMember } from '../members/service.ts';
import type { Actor } from '../tenancy/scope.ts';
import { type EngineMember, screen } from './engine.ts';
import { lockProgress } from './progress.ts';
import { getCampaign } from './service.ts';

const REFUSALS: Record<string, string> = {
  campaign_not_active: 'The campaign is not active',
  outside_dates: 'The campaign is not running at this time',
  not_eligible: 'The member is not eligible for this campaign',
  member_cap_reached: "The member has reached the campaign's cap",
  campaign_cap_reached: 'The campaign has issued its maximum number of rewards',
  budget_exhausted: "The campaign's budget cannot cover another reward",
};

const refuse = (code: string) => domainError(409, code, REFUSALS[code]);

export interface RewardRequest {
  campaignId: string;
  memberRef: string;
  // Creates the member when Tessera does not know it yet (a Flow rewarding a Contact before the sync).
  member?: MemberInput;
  reason?: string;
  requestId?: string;
}

export async function sendReward(trx: Transaction, actor: Actor, input: RewardRequest) {
  const campaign = await getCampaign(trx, actor.scope, input.campaignId);
  const known: EngineMember | undefined = await findMember(trx, actor.scope.tenantId, input.memberRef);
  const member =
    known ?? (input.member && (await upsertMember(trx, actor, input.memberRef, input.member)).member);
  if (!member) throw notFound(`Member ${input.memberRef}`);
  if (campaign.status !== 'active') throw refuse('campaign_not_active');
  const screened = screen(campaign, new Date(), member);
  if (screened === 'member_inactive')
    throw domainError(409, 'not_eligible', 'The member is inactive and earns no new rewards');
  if (screened) throw refuse(screened === 'outside_dates' ? screened : 'not_eligible');
  // The member's lock keeps the per-member cap exact against concurrent events and sends.
  if (campaign.memberCapCount) await lockProgress(trx, campaign.id, member.id);
  const result = await issue(trx, { campaign, member, origin: 'api', reason: input.reason });
  if (!result.ok) throw refuse(result.refusal);
  return result.issuance;
}
