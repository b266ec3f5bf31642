// Owns the marketplace: the offers a member can buy with points (live partner, eligible, in stock,
// priced by pointsPerUnit), and orders: reserve the points (ledger source `marketplace`, referenced by
// the order, for the offer's partner) → take a code → confirm. Any failure on the way (no stock, a
// partner not live, a member not eligible) releases the reservation, and the order is failed with its
// reason; not enough points fails it before anything is reserved. Each order is one record whose end
// is announced as order.completed or order.failed.
import { assignCode, codeFor } from '../catalog/codes.ts';
import { Offer, Partner } from '../catalog/model.ts';
import { denominationAllowed, findOffer } from '../catalog/offers.ts';
import type { Queryable, Transaction } from '../db/database.ts';
import { domainError, notFound } from '../errors.ts';
import { recordEvent } from '../events/outbox.ts';
import { confirmation, moveBy, releasing, resolve } from '../ledger/transfers.ts';
import { isEligible } from '../members/eligibility.ts';
import { Member } from '../members/model.ts';
import type { Actor, Scope } from '../tenancy/scope.ts';
import { MarketplaceOrder } from './model.ts';

export const priceOf = (offer: Pick<Offer, 'pointsPerUnit'>, denomination: number) =>
  Math.ceil(denomination * Number(offer.pointsPerUnit));

const eligibleFor = (member: Member, ...rules: Array<Offer['eligibility']>) =>
  rules.every((rule) => !rule || isEligible(rule, member));

async function memberOf(db: Queryable, scope: Scope, memberRef: string) {
  const member = await Member.query(db).findOne({ tenantId: scope.tenantId, externalRef: memberRef });
  if (!member) throw domainError(404, 'member_not_found', `No member ${memberRef}`);
  return member;
}

// What the member can buy now, with each denomination's price and free codes.
export async function marketplaceOffers(db: Queryable, scope: Scope, memberRef: string) {
  const member = await memberOf(db, scope, memberRef);
  const offers = await Offer.query(db)
    .alias('o')
    .join('partners as p', 'p.id', 'o.partnerId')
    .where({ 'o.tenantId': scope.tenantId, 'p.stage': 'live' })
    .whereNotNull('o.pointsPerUnit')
    .select('o.*', 'p.name as partnerName', 'p.eligibility as partnerEligibility')
    .castTo<Array<Offer & { partnerName: string; partnerEligibility: Offer['eligibility'] }>>();
  const stock = await db('voucherCodes')
    .whereIn(
      'offerId',
      offers.map((o) => o.id),
    )
    .whereNull('issuanceId')
    .whereNull('orderId')
    .groupBy('offerId', 'denomination')
    .select('offerId', 'denomination', db.raw('count(*)::int AS available'));
  const data = offers
    .filter((offer) => eligibleFor(member, offer.partnerEligibility, offer.eligibility))
    .map((offer) => ({
      offerId: offer.id,
      name: offer.name,
      partnerId: offer.partnerId,
      partner: offer.partnerName,
      type: offer.type,
      currency: offer.currency,
      denominations: stock
        .filter((s: { offerId: string }) => s.offerId === offer.id)
        .filter((s: { denomination: number }) => denominationAllowed(offer.denominations, s.denomination))
        .map((s: { denomination: number; available: number }) => ({
          denomination: s.denomination,
          points: priceOf(offer, s.denomination),
          available: s.available,
        })),
    }))
    .filter((offer) => offer.denominations.length > 0);
  return { data };
}

export function presentOrder(scope: Scope, row: MarketplaceOrder & { code?: string | null }) {
  const { tenantId: _t, memberId: _m, codeId: _c, code, ...shown } = row;
  return { ...shown, points: Number(row.points), code: code ? codeFor(scope, code) : null };
}

async function finish(trx: Transaction, order: MarketplaceOrder, fields: Partial<MarketplaceOrder>) {
  const row = await order.$query(trx).patchAndFetch(fields);
  await recordEvent(trx, {
    tenantId: row.tenantId,
    type: row.status === 'completed' ? 'order.completed' : 'order.failed',
    subject: row.id,
    data: {
      orderId: row.id,
      memberRef: row.memberRef,
      offerId: row.offerId,
      partnerId: row.partnerId,
      denomination: row.denomination,
      points: Number(row.points),
      status: row.status,
      failureReason: row.failureReason,
    },
  });
  return row;
}

// Why the reserved points cannot buy the code, if they cannot.
async function blocker(trx: Transaction, member: Member, offer: Offer): Promise<string | null> {
  const partner = await Partner.query(trx).findById(offer.partnerId);
  if (partner?.stage !== 'live') return 'partner_not_live';
  if (!eligibleFor(member, partner.eligibility, offer.eligibility)) return 'not_eligible';
  return null;
}

export interface OrderInput {
  memberRef: string;
  offerId: string;
  denomination: number;
}

export async function placeOrder(trx: Transaction, actor: Actor, input: OrderInput) {
  const { scope } = actor;
  const member = await memberOf(trx, scope, input.memberRef);
  const offer = await findOffer(trx, scope, input.offerId);
  if (offer.pointsPerUnit === null)
    throw domainError(409, 'not_in_marketplace', 'The offer has no points price (pointsPerUnit)');
  if (!denominationAllowed(offer.denominations, input.denomination))
    throw domainError(422, 'invalid_denomination', `The offer has no denomination ${input.denomination}`);
  const points = priceOf(offer, input.denomination);
  const order = await MarketplaceOrder.query(trx)
    .insert({
      tenantId: scope.tenantId,
      memberId: member.id,
      memberRef: member.externalRef,
      offerId: offer.id,
      partnerId: offer.partnerId,
      denomination: input.denomination,
      points,
    })
    .returning('*');
  const reserved = await trx
    .transaction((savepoint) =>
      moveBy('reserve', savepoint, scope, {
        memberRef: member.externalRef,
        amount: points,
        source: 'marketplace',
        reference: order.id,
        reason: `Marketplace: ${offer.name} ${input.denomination}`,
        partnerId: offer.partnerId,
        metadata: { orderId: order.id, offerId: offer.id },
        // Confirmed or released in this same transaction; every reservation carries an expiry.
        timeoutSeconds: 300,
      }),
    )
    .catch((error: { isBoom?: boolean; data?: { code?: string } }) => {
      if (!error.isBoom) throw error;
      return { refused: error.data?.code ?? 'reservation_refused' };
    });
  if ('refused' in reserved) return finish(trx, order, { status: 'failed', failureReason: reserved.refused });
  const reservationId = reserved.transfer.id;
  const blocked = await blocker(trx, member, offer);
  const code = blocked
    ? undefined
    : await assignCode(trx, offer.id, input.denomination, { orderId: order.id });
  if (!code) {
    await resolve(trx, scope, reservationId, releasing(blocked ?? 'out_of_stock'));
    return finish(trx, order, { status: 'failed', failureReason: blocked ?? 'out_of_stock', reservationId });
  }
  const confirmed = await resolve(trx, scope, reservationId, confirmation());
  if (!confirmed.ok) throw confirmed.refusal;
  const done = await finish(trx, order, {
    status: 'completed',
    reservationId,
    codeId: code.id,
    completedAt: new Date(),
  });
  return Object.assign(done, { code: code.code });
}

export async function getOrder(db: Queryable, scope: Scope, id: string) {
  const row = await MarketplaceOrder.query(db)
    .alias('mo')
    .leftJoin('voucherCodes as v', 'v.id', 'mo.codeId')
    .where({ 'mo.id': id, 'mo.tenantId': scope.tenantId })
    .select('mo.*', 'v.code')
    .first()
    .castTo<(MarketplaceOrder & { code: string | null }) | undefined>();
  if (!row) throw notFound('Order');
  return presentOrder(scope, row);
}
