// Owns campaigns: creating them, editing them within what their state allows (audited), moving them
// through their lifecycle, and showing their governance counters.
import { recordAudit } from '../audit/log.ts';
import { denominationAllowed, findOffer } from '../catalog/offers.ts';
import type { Queryable, Transaction } from '../db/database.ts';
import { domainError, notFound } from '../errors.ts';
import { recordEvent } from '../events/outbox.ts';
import type { Reward } from '../issuance/model.ts';
import type { Eligibility } from '../members/eligibility.ts';
import { decodeCursor, isString, toPage } from '../paging.ts';
import type { Actor, Scope } from '../tenancy/scope.ts';
import { type CampaignAction, type CampaignStatus, EDITABLE_WHILE_RUNNING, LIFECYCLE } from './lifecycle.ts';
import { Campaign } from './model.ts';
import type { Rule } from './rules.ts';

export interface CampaignInput {
  name: string;
  startsAt: Date;
  endsAt: Date;
  trigger: { eventType: string; rule: Rule };
  reward: Reward;
  approval: 'auto' | 'manual';
  maxRewards?: number | null;
  perMemberCap?: { count: number; periodDays?: number } | null;
  budget?: { amount: number } | null;
  delivery?: Campaign['delivery'];
  eligibility: Eligibility;
}

export function presentCampaign(row: Campaign) {
  const remaining = row.maxRewards === null ? null : Math.max(0, row.maxRewards - row.rewardsTaken);
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    trigger: { eventType: row.eventType, rule: row.rule },
    reward: row.reward,
    approval: row.approval,
    maxRewards: row.maxRewards,
    perMemberCap:
      row.memberCapCount === null
        ? null
        : { count: row.memberCapCount, periodDays: row.memberCapPeriodDays ?? undefined },
    budget: row.budget === null ? null : { amount: row.budget },
    delivery: row.delivery ?? null,
    eligibility: row.eligibility,
    stats: {
      issued: row.rewardsTaken,
      fulfilled: row.rewardsFulfilled,
      pending: row.rewardsTaken - row.rewardsFulfilled,
      remaining,
      budgetSpent: row.budgetSpent,
      budgetReserved: row.budgetTaken - row.budgetSpent,
      budgetRemaining: row.budget === null ? null : row.budget - row.budgetTaken,
    },
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

// A voucher reward must name an offer of this tenant and one of its denominations.
async function rewardCost(trx: Transaction, scope: Scope, reward: Reward): Promise<number> {
  if (reward.type === 'points') return reward.amount;
  const offer = await findOffer(trx, scope, reward.offerId);
  if (!denominationAllowed(offer.denominations, reward.denomination))
    throw domainError(422, 'invalid_denomination', `The offer has no denomination ${reward.denomination}`);
  return reward.denomination;
}

// A voucher campaign gives its partner's offer: that partner must have finished onboarding.
async function requireLivePartner(trx: Transaction, reward: Reward) {
  if (reward.type !== 'voucher') return;
  const partner = await trx('offers as o')
    .join('partners as p', 'p.id', 'o.partnerId')
    .where('o.id', reward.offerId)
    .first('p.name', 'p.stage');
  if (partner && partner.stage !== 'live')
    throw domainError(
      409,
      'partner_not_live',
      `The offer's partner "${partner.name}" is ${partner.stage}, not live`,
    );
}

// The columns of the parts of a campaign an input names.
function columnsOf(input: Partial<CampaignInput>): Partial<Campaign> {
  const columns: Record<string, unknown> = {};
  if (input.name !== undefined) columns.name = input.name;
  if (input.startsAt !== undefined) columns.startsAt = input.startsAt;
  if (input.endsAt !== undefined) columns.endsAt = input.endsAt;
  if (input.trigger) {
    columns.eventType = input.trigger.eventType;
    columns.rule = input.trigger.rule;
  }
  if (input.reward) columns.reward = input.reward;
  if (input.approval) columns.approval = input.approval;
  if (input.maxRewards !== undefined) columns.maxRewards = input.maxRewards;
  if (input.perMemberCap !== undefined) {
    columns.memberCapCount = input.perMemberCap?.count ?? null;
    columns.memberCapPeriodDays = input.perMemberCap?.periodDays ?? null;
  }
  if (input.budget !== undefined) columns.budget = input.budget?.amount ?? null;
  if (input.eligibility) columns.eligibility = input.eligibility;
  if (input.delivery !== undefined) columns.delivery = input.delivery;
  return columns as Partial<Campaign>;
}

export async function createCampaign(
  trx: Transaction,
  actor: Actor,
  input: CampaignInput,
): Promise<Campaign> {
  const cost = await rewardCost(trx, actor.scope, input.reward);
  const row = await Campaign.query(trx)
    .insert({ ...columnsOf(input), tenantId: actor.scope.tenantId, rewardCost: cost })
    .returning('*');
  await recordAudit(trx, actor, {
    action: 'campaign.created',
    entityType: 'campaign',
    entityId: row.id,
    summary: `Campaign "${input.name}" on ${input.trigger.eventType}`,
  });
  return row;
}

async function lockCampaign(trx: Transaction, scope: Scope, id: string): Promise<Campaign> {
  const row = await Campaign.query(trx).findOne({ id, tenantId: scope.tenantId }).forUpdate();
  if (!row) throw notFound('Campaign');
  return row;
}

export async function editCampaign(trx: Transaction, actor: Actor, id: string, edit: Partial<CampaignInput>) {
  const row = await lockCampaign(trx, actor.scope, id);
  if (row.status === 'ended') throw domainError(409, 'campaign_ended', 'An ended campaign cannot change');
  const locked = Object.keys(edit).filter((key) => !EDITABLE_WHILE_RUNNING.includes(key));
  if (row.status !== 'draft' && locked.length > 0)
    throw domainError(
      409,
      'campaign_field_locked',
      `While a campaign is ${row.status}, only its dates, caps, budget and delivery may change`,
      locked.map((path) => ({ path, message: `${path} cannot change while the campaign is ${row.status}` })),
    );
  const startsAt = edit.startsAt ?? row.startsAt;
  const endsAt = edit.endsAt ?? row.endsAt;
  if (endsAt <= startsAt) throw domainError(400, 'invalid_dates', 'endsAt must be after startsAt');
  const columns = columnsOf(edit);
  if (edit.reward) columns.rewardCost = await rewardCost(trx, actor.scope, edit.reward);
  const updated = await row
    .$query(trx)
    .patchAndFetch({ ...columns, updatedAt: trx.fn.now() as unknown as Date });
  await recordAudit(trx, actor, {
    action: 'campaign.edited',
    entityType: 'campaign',
    entityId: id,
    summary: `Changed ${Object.keys(edit).join(', ')} while ${row.status}`,
  });
  return updated;
}

export async function transition(trx: Transaction, actor: Actor, id: string, action: CampaignAction) {
  const row = await lockCampaign(trx, actor.scope, id);
  const step = LIFECYCLE[action];
  if (!step.from.includes(row.status))
    throw domainError(409, 'invalid_transition', `A campaign that is ${row.status} cannot ${action}`);
  if (action === 'activate') await requireLivePartner(trx, row.reward);
  const updated = await row
    .$clone()
    .$query(trx)
    .patchAndFetch({ status: step.to, updatedAt: trx.fn.now() as unknown as Date });
  await recordEvent(trx, {
    tenantId: row.tenantId,
    type: step.event,
    subject: id,
    data: { campaignId: id, name: row.name, from: row.status, to: step.to },
  });
  await recordAudit(trx, actor, {
    action: step.event,
    entityType: 'campaign',
    entityId: id,
    summary: `Campaign "${row.name}": ${row.status} → ${step.to}`,
  });
  return updated;
}

// Campaigns belong to the tenant as a whole: any of its callers, or a live-feed principal, may read one.
export async function getCampaign(
  db: Queryable,
  scope: Pick<Scope, 'tenantId'>,
  id: string,
): Promise<Campaign> {
  const row = await Campaign.query(db).findOne({ id, tenantId: scope.tenantId });
  if (!row) throw notFound('Campaign');
  return row;
}

export async function listCampaigns(
  db: Queryable,
  scope: Scope,
  query: { status?: CampaignStatus; limit: number; cursor?: string },
) {
  const after = decodeCursor(query.cursor, isString);
  const rows = await Campaign.query(db)
    .where({ tenantId: scope.tenantId })
    .modify((q) => {
      if (query.status) q.where({ status: query.status });
      if (after) q.where('id', '<', after);
    })
    .orderBy('id', 'desc')
    .limit(query.limit + 1);
  return toPage(rows, query.limit, presentCampaign, (row) => row.id);
}
