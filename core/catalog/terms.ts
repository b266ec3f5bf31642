// Owns an offer's terms: versions added one after another (1, 2, …), never changed, so that what a
// member was offered under can always be read back; each addition audited.
import { recordAudit } from '../audit/log.ts';
import type { Queryable, Transaction } from '../db/database.ts';
import type { Actor, Scope } from '../tenancy/scope.ts';
import { OfferTerms } from './model.ts';
import { findOffer } from './offers.ts';

export const presentTerms = (row: OfferTerms) => row.toJSON();

// The offer's row is locked, so two additions at once get versions n and n + 1.
export async function addTerms(trx: Transaction, actor: Actor, offerId: string, text: string) {
  const offer = await findOffer(trx, actor.scope, offerId);
  await trx('offers').where({ id: offer.id }).forUpdate().first('id');
  const last = await OfferTerms.query(trx).where({ offerId }).max('version as version').first();
  const version = Number((last as unknown as { version: number | null })?.version ?? 0) + 1;
  const row = await OfferTerms.query(trx)
    .insert({ tenantId: actor.scope.tenantId, offerId, version, text })
    .returning('*');
  await recordAudit(trx, actor, {
    action: 'offer.terms_added',
    entityType: 'offer',
    entityId: offerId,
    summary: `Terms version ${version} of "${offer.name}"`,
  });
  return row;
}

export async function listTerms(db: Queryable, scope: Scope, offerId: string) {
  await findOffer(db, scope, offerId);
  const rows = await OfferTerms.query(db).where({ offerId }).orderBy('version');
  return { data: rows.map(presentTerms) };
}
