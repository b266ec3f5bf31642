// Owns partners: the businesses whose offers members receive and who redeem them.

import { UniqueViolationError } from 'objection';
import { recordAudit } from '../audit/log.ts';
import type { Queryable, Transaction } from '../db/database.ts';
import { domainError, notFound } from '../errors.ts';
import type { Eligibility } from '../members/eligibility.ts';
import { decodeCursor, isString, toPage } from '../paging.ts';
import { type Actor, type LedgerAccess, type Scope, visibleRows } from '../tenancy/scope.ts';
import { Partner, type PartnerProfile } from './model.ts';

export interface PartnerInput {
  name: string;
  ledgerAccess?: LedgerAccess;
  sourcedBy?: Partner['sourcedBy'];
  profile?: PartnerProfile;
  eligibility?: Eligibility | null;
}

export function presentPartner(partner: Partner) {
  const { uatKeyId: _k, ...shown } = partner.toJSON() as Partner;
  return shown;
}

// A new partner starts its onboarding at `profiling`; its offers reach nobody until it is live.
export async function createPartner(trx: Transaction, actor: Actor, input: PartnerInput) {
  const { name, ledgerAccess = 'none' } = input;
  const row = await Partner.query(trx)
    .insert({
      tenantId: actor.scope.tenantId,
      name,
      ledgerAccess,
      sourcedBy: input.sourcedBy ?? 'network',
      profile: input.profile ?? {},
      eligibility: input.eligibility ?? null,
    })
    .onConflict(['tenantId', 'name'])
    .ignore()
    .returning('*')
    .first();
  if (!row?.id) throw domainError(409, 'partner_exists', `A partner named "${name}" exists`);
  await recordAudit(trx, actor, {
    action: 'partner.created',
    entityType: 'partner',
    entityId: row.id,
    summary: `Partner "${name}" with ledger access ${ledgerAccess}`,
  });
  return row;
}

// Changes a partner's name, ledger access (it decides what its keys may do), profile (merged: the fields
// given replace theirs) or eligibility; audited.
export async function changePartner(
  trx: Transaction,
  actor: Actor,
  id: string,
  change: Partial<PartnerInput>,
) {
  const partner = await findPartner(trx, actor.scope, id);
  const profile = change.profile && { ...partner.profile, ...change.profile };
  const row = await partner
    .$query(trx)
    .patchAndFetch({ ...change, ...(profile && { profile }), updatedAt: new Date() })
    .catch((error) => {
      // Objection wraps the driver's error: a unique violation names its constraint.
      if (error instanceof UniqueViolationError && error.constraint === 'partners_tenant_id_name_key')
        throw domainError(409, 'partner_exists', `A partner named "${change.name}" exists`);
      throw error;
    });
  await recordAudit(trx, actor, {
    action: 'partner.updated',
    entityType: 'partner',
    entityId: id,
    summary: Object.entries(change)
      .map(([field, value]) => `${field} → ${typeof value === 'object' ? JSON.stringify(value) : value}`)
      .join(', ')
      .slice(0, 500),
  });
  return row;
}

// A partner key sees only its own partner.
export function partnersVisibleTo(db: Queryable, scope: Scope) {
  return visibleRows(db, Partner, scope, 'id');
}

export async function findPartner(db: Queryable, scope: Scope, id: string): Promise<Partner> {
  const row = await partnersVisibleTo(db, scope).findById(id);
  if (!row) throw notFound('Partner');
  return row;
}

// A partner named by id in a key, a token or a transfer must be one of the tenant's partners.
export async function requirePartner(
  db: Queryable,
  scope: Pick<Scope, 'tenantId'>,
  id: string,
): Promise<void> {
  const row = await Partner.query(db).findOne({ tenantId: scope.tenantId, id }).select('id');
  if (!row) throw domainError(404, 'partner_not_found', `Partner ${id} not found`);
}

// A page of partners in name order (names are unique in a tenant, so the name is the cursor).
export async function listPartners(db: Queryable, scope: Scope, query: { limit: number; cursor?: string }) {
  const after = decodeCursor(query.cursor, isString);
  const rows = await partnersVisibleTo(db, scope)
    .modify((q) => after !== undefined && q.where('name', '>', after))
    .orderBy('name')
    .limit(query.limit + 1);
  return toPage(rows, query.limit, presentPartner, (row) => row.name);
}
