// Owns offers: what a partner gives members (gift cards, experiences, merchandise, wallet credit), in
// which denominations, and the stock of voucher codes per denomination.
import { recordAudit } from '../audit/log.ts';
import type { Database, Queryable, Transaction } from '../db/database.ts';
import { notFound } from '../errors.ts';
import type { Eligibility } from '../members/eligibility.ts';
import { decodeCursor, isString, toPage } from '../paging.ts';
import { type Actor, type Scope, visibleRows } from '../tenancy/scope.ts';
import { type Denominations, Offer, VoucherCode } from './model.ts';
import { findPartner } from './partners.ts';

export interface OfferInput {
  partnerId: string;
  name: string;
  type: 'gift_card' | 'experience' | 'merchandise' | 'wallet';
  currency: string;
  denominations: Denominations;
  expiryDays?: number;
  country?: string;
  eligibility?: Eligibility | null;
  pointsPerUnit?: number | null;
}

export type OfferChange = Partial<
  Pick<OfferInput, 'name' | 'denominations' | 'eligibility' | 'pointsPerUnit'>
> & {
  expiryDays?: number | null;
  country?: string | null;
};

export function denominationAllowed(denominations: Denominations, value: number): boolean {
  if ('fixed' in denominations) return denominations.fixed.includes(value);
  const { min, max, step } = denominations;
  return value >= min && value <= max && (value - min) % step === 0;
}

export function presentOffer(offer: Offer) {
  const shown = offer.toJSON() as Offer;
  return { ...shown, pointsPerUnit: shown.pointsPerUnit === null ? null : Number(shown.pointsPerUnit) };
}

export async function createOffer(trx: Transaction, actor: Actor, input: OfferInput): Promise<Offer> {
  await findPartner(trx, actor.scope, input.partnerId);
  const row = await Offer.query(trx)
    .insert({ ...input, tenantId: actor.scope.tenantId })
    .returning('*');
  await recordAudit(trx, actor, {
    action: 'offer.created',
    entityType: 'offer',
    entityId: row.id,
    summary: `Offer "${input.name}" (${input.type}, ${input.currency})`,
  });
  return row;
}

// Changes what the offer is (its partner, type and currency stay); audited with the fields changed.
export async function changeOffer(trx: Transaction, actor: Actor, id: string, change: OfferChange) {
  const offer = await findOffer(trx, actor.scope, id);
  const row = await offer.$query(trx).patchAndFetch(change);
  await recordAudit(trx, actor, {
    action: 'offer.updated',
    entityType: 'offer',
    entityId: id,
    summary: `Changed ${Object.keys(change).join(', ')} of "${offer.name}"`,
  });
  return row;
}

export async function findOffer(db: Queryable, scope: Scope, id: string): Promise<Offer> {
  const row = await visibleRows(db, Offer, scope).findById(id);
  if (!row) throw notFound('Offer');
  return row;
}

// Free and assigned codes per denomination.
export async function offerStock(db: Database | Transaction, offerId: string) {
  const rows = await VoucherCode.query(db)
    .where({ offerId })
    .groupBy('denomination')
    .orderBy('denomination')
    .select(
      'denomination',
      db.raw('count(*) FILTER (WHERE issuance_id IS NULL AND order_id IS NULL) AS available'),
      db.raw('count(*) FILTER (WHERE issuance_id IS NOT NULL OR order_id IS NOT NULL) AS assigned'),
    )
    .castTo<Array<{ denomination: number; available: string; assigned: string }>>();
  return rows.map((r) => ({
    denomination: r.denomination,
    available: Number(r.available),
    assigned: Number(r.assigned),
  }));
}

export async function listOffers(
  db: Database,
  scope: Scope,
  query: { partnerId?: string; limit: number; cursor?: string },
) {
  const after = decodeCursor(query.cursor, isString);
  const rows = await visibleRows(db, Offer, scope)
    .modify((q) => {
      if (query.partnerId) q.where({ partnerId: query.partnerId });
      if (after) q.where('id', '>', after);
    })
    .orderBy('id')
    .limit(query.limit + 1);
  return toPage(rows, query.limit, presentOffer, (row) => row.id);
}
