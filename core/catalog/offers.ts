// Owns offers: what a partner gives members (gift cards, experiences, merchandise, wallet credit), in
// which denominations, and the stock of voucher codes per denomination.
import { recordAudit } from '../audit/log.ts';
import type { Database, Transaction } from '../db/database.ts';
import { notFound } from '../errors.ts';
import { decodeCursor, isString, toPage } from '../paging.ts';
import { type Actor, type Scope, visibleTo } from '../tenancy/scope.ts';
import { findPartner } from './partners.ts';

export type Denominations = { fixed: number[] } | { min: number; max: number; step: number };

export interface OfferInput {
  partnerId: string;
  name: string;
  type: 'gift_card' | 'experience' | 'merchandise' | 'wallet';
  currency: string;
  denominations: Denominations;
  expiryDays?: number;
  country?: string;
}

export interface OfferRow extends OfferInput {
  id: string;
  tenantId: string;
  expiryDays: number | undefined;
  createdAt: Date;
}

export function denominationAllowed(denominations: Denominations, value: number): boolean {
  if ('fixed' in denominations) return denominations.fixed.includes(value);
  const { min, max, step } = denominations;
  return value >= min && value <= max && (value - min) % step === 0;
}

export const presentOffer = ({ tenantId: _t, ...shown }: OfferRow) => shown;

export async function createOffer(trx: Transaction, actor: Actor, input: OfferInput): Promise<OfferRow> {
  await findPartner(trx, actor.scope, input.partnerId);
  const [row]: OfferRow[] = await trx('offers')
    .insert({ ...input, tenantId: actor.scope.tenantId, denominations: JSON.stringify(input.denominations) })
    .returning('*');
  await recordAudit(trx, actor, actor.scope.tenantId, {
    action: 'offer.created',
    entityType: 'offer',
    entityId: row.id,
    summary: `Offer "${input.name}" (${input.type}, ${input.currency})`,
  });
  return row;
}

export async function findOffer(db: Database | Transaction, scope: Scope, id: string): Promise<OfferRow> {
  const row = await visibleTo(db, 'offers', scope).where({ id }).first();
  if (!row) throw notFound('Offer');
  return row;
}

// Free and assigned codes per denomination.
export async function offerStock(db: Database | Transaction, offerId: string) {
  const rows: Array<{ denomination: number; available: string; assigned: string }> = await db('voucher_codes')
    .where({ offerId })
    .groupBy('denomination')
    .orderBy('denomination')
    .select(
      'denomination',
      db.raw('count(*) FILTER (WHERE issuance_id IS NULL) AS available'),
      db.raw('count(*) FILTER (WHERE issuance_id IS NOT NULL) AS assigned'),
    );
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
  const rows: OfferRow[] = await visibleTo(db, 'offers', scope)
    .modify((q) => {
      if (query.partnerId) q.where({ partnerId: query.partnerId });
      if (after) q.where('id', '>', after);
    })
    .orderBy('id')
    .limit(query.limit + 1);
  return toPage(rows, query.limit, presentOffer, (row) => row.id);
}
