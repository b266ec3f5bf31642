// Owns issuances, the rewards a campaign grants a member: created under the campaign's governance,
// held for approval or fulfilled at once (points credited through the ledger, or a voucher code
// assigned), and their states as a transition table.
import type { Knex } from 'knex';
import { recordAudit } from '../audit/log.ts';
import { assignCode, codeFor } from '../catalog/codes.ts';
import { type Queryable, rowsOf, type Transaction } from '../db/database.ts';
import { domainError, notFound } from '../errors.ts';
import { INSERT_EVENTS } from '../events/outbox.ts';
import { moveBy } from '../ledger/transfers.ts';
import { type Eligibility, isEligible } from '../members/eligibility.ts';
import { decodeCursor, isString, toPage } from '../paging.ts';
import type { Actor, Scope } from '../tenancy/scope.ts';
import {
  type CampaignCounters,
  campaignName,
  giveBack,
  markSpent,
  memberCapReached,
  type Refusal,
  takeShare,
} from './governance.ts';
import { Issuance, type IssuanceRow, type IssuanceStatus, type Reward } from './model.ts';

export const TRANSITIONS: Record<IssuanceStatus, IssuanceStatus[]> = {
  pending_approval: ['approved', 'rejected'],
  approved: ['fulfilled', 'failed'],
  rejected: [],
  fulfilled: [],
  failed: [],
};

export interface IssuingCampaign extends CampaignCounters {
  approval: 'auto' | 'manual';
  reward: Reward;
}

type WithCode = IssuanceRow & {
  voucherCode?: string | null;
  memberStatus?: string;
  delivery?: { id: string; status: string; channel: string | null } | null;
};

// `delivery` is the reward's latest message, once delivery has made one: its state, not the issuance's.
export function presentIssuance(scope: Scope, row: WithCode) {
  const { tenantId: _t, memberId: _m, voucherCodeId: _v, voucherCode, delivery, ...shown } = row;
  return {
    ...shown,
    voucherCode: voucherCode ? codeFor(scope, voucherCode) : null,
    delivery: delivery ?? null,
  };
}

// An issuance event's data, built in the statement that changes the issuance: the row `i` after the
// change, and what the caller adds (a voucher's last 4, the campaign's name).
// A voucher's events name its offer's partner, so that the partner's webhooks and live tokens see them.
const EVENT_DATA = `jsonb_build_object('issuanceId', i.id, 'campaignId', i.campaign_id, 'memberRef', i.member_ref,
  'reward', i.reward, 'status', i.status, 'partnerId', CASE WHEN i.reward ->> 'type' = 'voucher' THEN
  (SELECT o.partner_id FROM offers o WHERE o.id = CAST(i.reward ->> 'offerId' AS uuid)) END) || CAST(? AS jsonb)`;

// The statement that writes an issuance (the CTE `i`) and records its event, in one round trip.
async function withEvent(
  trx: Transaction,
  write: string,
  bindings: Knex.Value[],
  type: string,
  extra: object,
) {
  const result = await trx.raw(
    `WITH i AS (${write} RETURNING *),
     e AS (${INSERT_EVENTS}
           SELECT i.tenant_id, ?, i.id::text, ${EVENT_DATA} FROM i)
     SELECT * FROM i`,
    [...bindings, type, JSON.stringify(extra)],
  );
  return rowsOf<IssuanceRow>(result)[0];
}

async function moveTo(
  trx: Transaction,
  row: IssuanceRow,
  status: IssuanceStatus,
  fields: Partial<IssuanceRow>,
  extra: Record<string, unknown> = {},
): Promise<IssuanceRow> {
  if (!TRANSITIONS[row.status].includes(status))
    throw domainError(409, 'invalid_transition', `An issuance that is ${row.status} cannot become ${status}`);
  const keys = Object.keys(fields) as Array<keyof IssuanceRow>;
  // `??` is an identifier: knex's configured mapper turns decidedAt into decided_at.
  const sets = ['status = ?', ...keys.map(() => '?? = ?')].join(', ');
  return withEvent(
    trx,
    `UPDATE issuances SET ${sets} WHERE id = ?`,
    [status, ...keys.flatMap((key) => [key, (fields[key] ?? null) as Knex.Value]), row.id],
    `issuance.${status}`,
    extra,
  );
}

interface VoucherPartner {
  stage: string | undefined;
  rules: Eligibility[];
}

// What a voucher's offer and partner say: the partner's stage (a code is given only while it is live)
// and who they are for (segments, tiers, countries, HR attributes). One read for both.
async function voucherPartner(trx: Transaction, offerId: string): Promise<VoucherPartner> {
  const row = await trx('offers as o')
    .join('partners as p', 'p.id', 'o.partnerId')
    .where('o.id', offerId)
    .first('p.stage', 'o.eligibility as offer', 'p.eligibility as partner');
  return { stage: row?.stage, rules: [row?.offer, row?.partner].filter(Boolean) as Eligibility[] };
}

// A member outside the voucher's rules is not given one. Most have no rules: then no member is read.
async function admitted(trx: Transaction, partner: VoucherPartner, memberId: string): Promise<boolean> {
  if (!partner.rules.length) return true;
  const member = await trx('members')
    .where({ id: memberId })
    .first('segments', 'tier', 'country', 'attributes');
  return partner.rules.every((rule) => isEligible(rule, member));
}

// Points through the ledger, or a voucher code; out of stock, or a partner that is not live, fails the
// issuance and gives its share back.
async function fulfil(
  trx: Transaction,
  row: IssuanceRow,
  campaignName: string,
  counted = false,
  // The voucher's partner, when the caller has read it already.
  known?: VoucherPartner,
): Promise<WithCode> {
  if (row.reward.type === 'points') {
    const scope: Scope = { tenantId: row.tenantId, keyId: 'campaign', role: 'admin', partnerId: null };
    const { transfer } = await moveBy('credit', trx, scope, {
      memberRef: row.memberRef,
      amount: row.reward.amount,
      // An upload's rewards are told apart in the ledger from those the campaign's rule made.
      source: row.origin === 'upload' ? 'upload' : 'campaign',
      reference: row.id,
      reason: campaignName,
      metadata: { campaignId: row.campaignId, issuanceId: row.id },
    });
    if (!counted) await markSpent(trx, row.campaignId, row.cost);
    return moveTo(trx, row, 'fulfilled', { transferId: transfer.id, fulfilledAt: new Date() });
  }
  const { stage } = known ?? (await voucherPartner(trx, row.reward.offerId));
  const code =
    stage === 'live' ? await assignCode(trx, row.reward.offerId, row.reward.denomination, row.id) : undefined;
  if (!code) {
    await giveBack(trx, row.campaignId, row.cost);
    const failureReason =
      stage === 'live' ? 'out_of_stock' : stage === 'suspended' ? 'partner_suspended' : 'partner_not_live';
    return moveTo(trx, row, 'failed', { failureReason });
  }
  await markSpent(trx, row.campaignId, row.cost);
  const fulfilled = await moveTo(
    trx,
    row,
    'fulfilled',
    { voucherCodeId: code.id, fulfilledAt: new Date() },
    { voucherLast4: code.code.slice(-4) },
  );
  return { ...fulfilled, voucherCode: code.code };
}

export interface NewIssuance {
  campaign: IssuingCampaign;
  member: { id: string; externalRef: string };
  origin: IssuanceRow['origin'];
  sourceEventId?: string;
  reason?: string;
  // An upload's row: its own reward (and cost) in place of the campaign's, already approved with the
  // upload, and unique per (upload, row).
  upload?: { id: string; row: number; reward: Reward; cost: number };
}

// Creates one issuance under the campaign's governance; the caller holds the member's progress lock.
export async function issue(
  trx: Transaction,
  input: NewIssuance,
): Promise<{ ok: true; issuance: WithCode } | { ok: false; refusal: Refusal }> {
  const { campaign, member, upload } = input;
  if (await memberCapReached(trx, campaign, member.id)) return { ok: false, refusal: 'member_cap_reached' };
  const reward = upload?.reward ?? campaign.reward;
  const partner = reward.type === 'voucher' ? await voucherPartner(trx, reward.offerId) : undefined;
  if (partner && !(await admitted(trx, partner, member.id))) return { ok: false, refusal: 'not_eligible' };
  const cost = upload?.cost ?? campaign.rewardCost;
  const approved = campaign.approval === 'auto' || upload !== undefined;
  // An automatic points reward cannot fail once its share is taken: it is counted as spent at once.
  const spentNow = approved && reward.type === 'points';
  const share = await takeShare(trx, campaign.id, cost, spentNow);
  if (!share.ok) return share;
  const row = await withEvent(
    trx,
    `INSERT INTO issuances (tenant_id, campaign_id, member_id, member_ref, origin, source_event_id, reason,
       reward, cost, status, upload_id, upload_row) VALUES (?, ?, ?, ?, ?, ?, ?, CAST(? AS jsonb), ?, ?, ?, ?)`,
    [
      campaign.tenantId,
      campaign.id,
      member.id,
      member.externalRef,
      input.origin,
      input.sourceEventId ?? null,
      input.reason ?? null,
      JSON.stringify(reward),
      cost,
      approved ? 'approved' : 'pending_approval',
      upload?.id ?? null,
      upload?.row ?? null,
    ],
    'issuance.created',
    { campaignName: campaign.name, reason: input.reason ?? null },
  );
  if (row.status === 'approved')
    return { ok: true, issuance: await fulfil(trx, row, campaign.name, spentNow, partner) };
  return { ok: true, issuance: row };
}

async function lockIssuance(trx: Transaction, scope: Scope, id: string): Promise<Issuance> {
  const row = await Issuance.query(trx).findOne({ id, tenantId: scope.tenantId }).forUpdate();
  if (!row) throw notFound('Issuance');
  return row;
}

export async function approveIssuance(trx: Transaction, actor: Actor, id: string) {
  const row = await lockIssuance(trx, actor.scope, id);
  const approved = await moveTo(trx, row, 'approved', { decidedAt: new Date() });
  await recordAudit(trx, actor, {
    action: 'issuance.approved',
    entityType: 'issuance',
    entityId: id,
    summary: `Approved ${row.memberRef}'s reward`,
  });
  return fulfil(trx, approved, await campaignName(trx, row.campaignId));
}

export async function rejectIssuance(trx: Transaction, actor: Actor, id: string, reason?: string) {
  const row = await lockIssuance(trx, actor.scope, id);
  const rejected = await moveTo(trx, row, 'rejected', {
    decidedAt: new Date(),
    decisionReason: reason ?? null,
  });
  await giveBack(trx, row.campaignId, row.cost);
  await recordAudit(trx, actor, {
    action: 'issuance.rejected',
    entityType: 'issuance',
    entityId: id,
    summary: `Rejected ${row.memberRef}'s reward${reason ? `: ${reason}` : ''}`,
  });
  return rejected;
}

// Each id in its own savepoint: one that cannot be approved does not hold back the others. Campaign
// rows are locked in one order (by campaign, then issuance) so that two bulk approvals cannot deadlock.
export async function approveMany(trx: Transaction, actor: Actor, ids: string[]) {
  const rows = await Issuance.query(trx)
    .whereIn('id', ids)
    .where({ tenantId: actor.scope.tenantId })
    .select('id', 'campaignId');
  const order = new Map(rows.map((r) => [r.id, `${r.campaignId}/${r.id}`]));
  const sorted = [...new Set(ids)].sort((a, b) => (order.get(a) ?? a).localeCompare(order.get(b) ?? b));
  const results = new Map<string, unknown>();
  for (const id of sorted) {
    try {
      const approved = await trx.transaction((savepoint) => approveIssuance(savepoint, actor, id));
      results.set(id, { id, ok: true, status: approved.status, failureReason: approved.failureReason });
    } catch (error) {
      const boom = error as { isBoom?: boolean; message: string; data?: { code: string } };
      if (!boom.isBoom) throw error;
      results.set(id, { id, ok: false, error: { code: boom.data?.code, message: boom.message } });
    }
  }
  return { results: [...new Set(ids)].map((id) => results.get(id)) };
}

const withCode = (db: Queryable) =>
  Issuance.query(db)
    .alias('i')
    .leftJoin('voucherCodes as v', 'v.id', 'i.voucherCodeId')
    .join('members as mb', 'mb.id', 'i.memberId')
    .select(
      'i.*',
      'v.code as voucherCode',
      'mb.status as memberStatus',
      db.raw(`(SELECT json_build_object('id', d.id, 'status', d.status, 'channel', d.channel)
                 FROM deliveries d WHERE d.issuance_id = i.id
                ORDER BY d.created_at DESC, d.id DESC LIMIT 1) AS delivery`),
    )
    .castTo<WithCode[]>();

export async function getIssuance(db: Queryable, scope: Scope, id: string) {
  const [row] = await withCode(db).where({ 'i.id': id, 'i.tenantId': scope.tenantId });
  if (!row) throw notFound('Issuance');
  return presentIssuance(scope, row);
}

export interface IssuanceQuery {
  status?: IssuanceStatus;
  memberStatus?: 'active' | 'inactive';
  campaignId?: string;
  memberRef?: string;
  limit: number;
  cursor?: string;
}

export async function listIssuances(db: Queryable, scope: Scope, query: IssuanceQuery) {
  const after = decodeCursor(query.cursor, isString);
  const rows = await withCode(db)
    .where({ 'i.tenantId': scope.tenantId })
    .modify((q) => {
      if (query.status) q.where({ 'i.status': query.status });
      if (query.campaignId) q.where({ 'i.campaignId': query.campaignId });
      if (query.memberRef) q.where({ 'i.memberRef': query.memberRef });
      if (query.memberStatus) q.where({ 'mb.status': query.memberStatus });
      if (after) q.where('i.id', '<', after);
    })
    .orderBy('i.id', 'desc')
    .limit(query.limit + 1);
  return toPage(
    rows,
    query.limit,
    (row) => presentIssuance(scope, row),
    (row) => row.id,
  );
}
