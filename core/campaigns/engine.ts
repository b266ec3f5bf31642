// Owns turning one source event into rewards: for each active campaign listening to its type, in
// campaign order, the dates, the rule's conditions, the member's eligibility, the rule's progress (under
// the member's progress lock) and the governance of each reward earned, with an outcome per campaign.
import type { Transaction } from '../db/database.ts';
import type { Refusal } from '../issuance/governance.ts';
import { issue } from '../issuance/service.ts';
import { allHold } from '../members/conditions.ts';
import { type EligibleMember, isEligible } from '../members/eligibility.ts';
import { Campaign } from './model.ts';
import { lockProgress, saveProgress } from './progress.ts';
import { earn, keepsProgress } from './rules.ts';

export interface EngineEvent {
  id?: string;
  type: string;
  source: string;
  memberRef: string;
  occurredAt: Date;
  data: Record<string, unknown>;
}

export type EngineMember = EligibleMember & { id: string; externalRef: string; status: string };

export type Outcome = { campaignId: string; campaign: string } & (
  | {
      outcome: 'issued';
      issuance: { id: string; status: string };
      issuances?: Array<{ id: string; status: string }>;
    }
  | { outcome: 'outside_dates' }
  | { outcome: 'not_eligible'; reason: string }
  | { outcome: 'progress'; progress: { current: number; target: number } }
  | { outcome: Refusal }
);

// Whether the campaign runs at that time and the member may earn from it; shared with "send reward".
export function screen(
  campaign: Campaign,
  at: Date,
  member: EngineMember,
): 'outside_dates' | 'member_inactive' | 'member_not_eligible' | null {
  if (at < campaign.startsAt || at >= campaign.endsAt) return 'outside_dates';
  if (member.status === 'inactive') return 'member_inactive';
  return isEligible(campaign.eligibility, member) ? null : 'member_not_eligible';
}

// Why the campaign does not consider the event at all, before any progress or governance.
function screenEvent(campaign: Campaign, event: EngineEvent, member: EngineMember): Outcome | null {
  const base = { campaignId: campaign.id, campaign: campaign.name };
  const screened = screen(campaign, event.occurredAt, member);
  if (screened === 'outside_dates') return { ...base, outcome: 'outside_dates' };
  if (!allHold(campaign.rule.where, event))
    return { ...base, outcome: 'not_eligible', reason: 'conditions_not_met' };
  if (screened) return { ...base, outcome: 'not_eligible', reason: screened };
  return null;
}

export async function evaluateFor(
  trx: Transaction,
  campaign: Campaign,
  event: EngineEvent,
  member: EngineMember,
): Promise<Outcome> {
  const base = { campaignId: campaign.id, campaign: campaign.name };
  const screened = screenEvent(campaign, event, member);
  if (screened) return screened;
  const tracked = keepsProgress(campaign.rule);
  const state =
    tracked || campaign.memberCapCount
      ? await lockProgress(trx, campaign.id, member.id)
      : { entries: [], carried: 0 };
  const earning = earn(campaign.rule, state, event);
  if ('refused' in earning) return { ...base, outcome: 'not_eligible', reason: earning.refused };
  const issued: Array<{ id: string; status: string }> = [];
  let refusal: Refusal | undefined;
  while (issued.length < earning.earned && !refusal) {
    const result = await issue(trx, { campaign, member, origin: 'rule', sourceEventId: event.id });
    if (result.ok) issued.push({ id: result.issuance.id, status: result.issuance.status });
    else refusal = result.refusal;
  }
  const settled = earning.settle(issued.length);
  if (tracked) await saveProgress(trx, campaign.id, member.id, settled.state);
  if (issued.length > 0)
    return {
      ...base,
      outcome: 'issued',
      issuance: issued[0],
      ...(issued.length > 1 ? { issuances: issued } : {}),
    };
  if (refusal) return { ...base, outcome: refusal };
  return { ...base, outcome: 'progress', progress: settled.progress ?? { current: 0, target: 1 } };
}

// Every active campaign listening to the event's type, in one order so that concurrent events lock
// campaigns alike and cannot deadlock.
export async function evaluateEvent(
  trx: Transaction,
  tenantId: string,
  event: EngineEvent,
  member: EngineMember,
): Promise<Outcome[]> {
  const campaigns = await Campaign.query(trx)
    .where({ tenantId, eventType: event.type, status: 'active' })
    .orderBy('id');
  const outcomes: Outcome[] = [];
  for (const campaign of campaigns) outcomes.push(await evaluateFor(trx, campaign, event, member));
  return outcomes;
}
