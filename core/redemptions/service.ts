// Owns recording and reading redemptions. A partner records them for its own offers (another partner's
// offer is not found), an admin for any. A voucher code redeems once: its row is locked while it is
// checked, so of two redemptions of one code at once, one wins and the other is told why. The member's
// tier is kept as a token, never as the tier itself.
import { createHash } from 'node:crypto';
import { recordAudit } from '../audit/log.ts';
import { findOffer } from '../catalog/offers.ts';
import type { Queryable, Transaction } from '../db/database.ts';
import { domainError, notFound } from '../errors.ts';
import { recordEvent } from '../events/outbox.ts';
import { decodeCursor, isString, toPage } from '../paging.ts';
import { type Actor, type Scope, visibleRows } from '../tenancy/scope.ts';
import { Redemption, type RedemptionChannel, type RedemptionStatus, type ValidationMethod } from './model.ts';

export interface RedemptionInput {
  offerId: string;
  code?: string;
  memberRef?: string;
  channel: RedemptionChannel;
  location?: string;
  storeId?: string;
  validationMethod: ValidationMethod;
  status: RedemptionStatus;
  occurredAt?: Date;
}

// The same tier gives the same token within a tenant, and the token does not give the tier back.
export const tierToken = (tenantId: string, tier: string | null | undefined) =>
  tier ? `tier_${createHash('sha256').update(`${tenantId}:${tier}`).digest('hex').slice(0, 16)}` : null;

export function presentRedemption(row: Redemption) {
  const {
    tenantId: _t,
    memberId: _m,
    codeId: _c,
    otpHash: _o,
    otpExpiresAt: _e,
    validationAttempts: _a,
    tierToken,
    ...shown
  } = row.toJSON() as Redemption;
  return { ...shown, tier: tierToken };
}

interface CodeRow {
  id: string;
  denomination: number;
  // The issuance or marketplace order the code went to.
  ownerId: string | null;
  voidedAt: Date | null;
  redeemedAt: Date | null;
  memberId: string | null;
  memberRef: string | null;
}

// The code, locked, with its member (by reward or marketplace order) and why it cannot be redeemed:
// never given out, voided, or redeemed (or held by a pending redemption).
async function lockCode(trx: Transaction, offerId: string, code: string) {
  const row: CodeRow | undefined = await trx('voucherCodes as v')
    .leftJoin('issuances as i', 'i.id', 'v.issuanceId')
    .leftJoin('marketplaceOrders as o', 'o.id', 'v.orderId')
    .where({ 'v.offerId': offerId, 'v.code': code })
    .forUpdate('v')
    .first(
      'v.id',
      'v.denomination',
      trx.raw('coalesce(v.issuance_id, v.order_id) AS owner_id'),
      'v.voidedAt',
      'v.redeemedAt',
      trx.raw('coalesce(i.member_id, o.member_id) AS member_id'),
      trx.raw('coalesce(i.member_ref, o.member_ref) AS member_ref'),
    );
  if (!row) throw domainError(404, 'code_not_found', 'The offer has no such code');
  const held = await trx('redemptions').where({ codeId: row.id, status: 'pending' }).first('id');
  const status = !row.ownerId
    ? 'unassigned'
    : row.voidedAt
      ? 'voided'
      : row.redeemedAt || held
        ? 'redeemed'
        : null;
  if (status)
    throw domainError(409, 'code_not_redeemable', `The code cannot be redeemed: it is ${status}`, [
      { status },
    ]);
  return row;
}

async function memberOf(trx: Transaction, scope: Scope, memberRef: string) {
  const member = await trx('members')
    .where({ tenantId: scope.tenantId, externalRef: memberRef })
    .first('id', 'tier');
  if (!member) throw domainError(404, 'member_not_found', `No member ${memberRef}`);
  return member as { id: string; tier: string | null };
}

export async function recordRedemption(trx: Transaction, actor: Actor, input: RedemptionInput) {
  const { scope } = actor;
  const offer = await findOffer(trx, scope, input.offerId);
  const code = input.code ? await lockCode(trx, offer.id, input.code) : null;
  const memberRef = code?.memberRef ?? input.memberRef ?? null;
  const member = memberRef ? await memberOf(trx, scope, memberRef) : null;
  const occurredAt = input.occurredAt ?? new Date();
  const row = await Redemption.query(trx)
    .insert({
      tenantId: scope.tenantId,
      offerId: offer.id,
      partnerId: offer.partnerId,
      codeId: code?.id ?? null,
      amount: code?.denomination ?? null,
      memberId: member?.id ?? null,
      memberRef,
      tierToken: tierToken(scope.tenantId, member?.tier),
      channel: input.channel,
      location: input.location ?? null,
      storeId: input.storeId ?? null,
      validationMethod: input.validationMethod,
      status: input.status,
      occurredAt,
    })
    .returning('*');
  if (code && input.status === 'successful')
    await trx('voucherCodes').where({ id: code.id }).update({ redeemedAt: occurredAt });
  await announce(trx, row);
  await recordAudit(trx, actor, {
    action: 'redemption.recorded',
    entityType: 'redemption',
    entityId: row.id,
    summary: `${input.status} ${input.channel} redemption of "${offer.name}"`,
  });
  return row;
}

// redemption.recorded for a successful or pending one, redemption.failed for a failed one; they reach
// the partner's own webhooks and live subscriptions by its partnerId.
export async function announce(trx: Transaction, row: Redemption) {
  await recordEvent(trx, {
    tenantId: row.tenantId,
    type: row.status === 'failed' ? 'redemption.failed' : 'redemption.recorded',
    subject: row.id,
    data: {
      redemptionId: row.id,
      offerId: row.offerId,
      partnerId: row.partnerId,
      memberRef: row.memberRef,
      channel: row.channel,
      tier: row.tierToken,
      validationMethod: row.validationMethod,
      status: row.status,
      failureReason: row.failureReason,
      occurredAt: row.occurredAt,
    },
  });
}

export async function findRedemption(db: Queryable, scope: Scope, id: string, lock = false) {
  const row = await visibleRows(db, Redemption, scope)
    .findById(id)
    .modify((q) => lock && q.forUpdate());
  if (!row) throw notFound('Redemption');
  return row;
}

export interface RedemptionQuery {
  offerId?: string;
  partnerId?: string;
  from?: Date;
  to?: Date;
  channel?: RedemptionChannel;
  tier?: string;
  status?: RedemptionStatus;
  validationMethod?: ValidationMethod;
  limit: number;
  cursor?: string;
}

// Newest first; a partner key sees its own partner's only.
export async function listRedemptions(db: Queryable, scope: Scope, query: RedemptionQuery) {
  const after = decodeCursor(query.cursor, isString);
  const rows = await visibleRows(db, Redemption, scope)
    .modify((q) => {
      if (query.offerId) q.where({ offerId: query.offerId });
      if (query.partnerId) q.where({ partnerId: query.partnerId });
      if (query.from) q.where('occurredAt', '>=', query.from);
      if (query.to) q.where('occurredAt', '<', query.to);
      if (query.channel) q.where({ channel: query.channel });
      if (query.tier) q.where({ tierToken: tierToken(scope.tenantId, query.tier) });
      if (query.status) q.where({ status: query.status });
      if (query.validationMethod) q.where({ validationMethod: query.validationMethod });
      if (after) q.where('id', '<', after);
    })
    .orderBy('id', 'desc')
    .limit(query.limit + 1);
  return toPage(rows, query.limit, presentRedemption, (row) => row.id);
}
