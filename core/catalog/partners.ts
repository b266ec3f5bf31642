// Owns partners: the businesses whose offers members receive and who redeem them.
import { recordAudit } from '../audit/log.ts';
import type { Database, Transaction } from '../db/database.ts';
import { domainError, notFound } from '../errors.ts';
import { decodeCursor, isString, toPage } from '../paging.ts';
import { type Actor, type LedgerAccess, type Scope, visibleTo } from '../tenancy/scope.ts';

export interface PartnerRow {
  id: string;
  tenantId: string;
  name: string;
  ledgerAccess: LedgerAccess;
  createdAt: Date;
}

export interface PartnerInput {
  name: string;
  ledgerAccess?: LedgerAccess;
}

export const presentPartner = ({ tenantId: _t, ...shown }: PartnerRow) => shown;

export async function createPartner(trx: Transaction, actor: Actor, input: PartnerInput) {
  const { name, ledgerAccess = 'none' } = input;
  const [row]: PartnerRow[] = await trx('partners')
    .insert({ tenantId: actor.scope.tenantId, name, ledgerAccess })
    .onConflict(['tenantId', 'name'])
    .ignore()
    .returning('*');
  if (!row) throw domainError(409, 'partner_exists', `A partner named "${name}" exists`);
  await recordAudit(trx, actor, actor.scope.tenantId, {
    action: 'partner.created',
    entityType: 'partner',
    entityId: row.id,
    summary: `Partner "${name}" with ledger access ${ledgerAccess}`,
  });
  return row;
}

// Renames a partner or changes its ledger access (audited: it decides what its keys may do).
export async function changePartner(
  trx: Transaction,
  actor: Actor,
  id: string,
  change: Partial<PartnerInput>,
) {
  await findPartner(trx, actor.scope, id);
  const [row]: PartnerRow[] = await trx('partners')
    .where({ id, tenantId: actor.scope.tenantId })
    .update(change)
    .returning('*')
    .catch((error) => {
      const violation = error as { code?: string; constraint?: string };
      if (violation.code === '23505' && violation.constraint === 'partners_tenant_id_name_key')
        throw domainError(409, 'partner_exists', `A partner named "${change.name}" exists`);
      throw error;
    });
  await recordAudit(trx, actor, actor.scope.tenantId, {
    action: 'partner.updated',
    entityType: 'partner',
    entityId: id,
    summary: Object.entries(change)
      .map(([field, value]) => `${field} → ${value}`)
      .join(', '),
  });
  return row;
}

// A partner key sees only its own partner.
export function partnersVisibleTo(db: Database | Transaction, scope: Scope) {
  return visibleTo(db, 'partners', scope, 'id');
}

export async function findPartner(db: Database | Transaction, scope: Scope, id: string): Promise<PartnerRow> {
  const row = await partnersVisibleTo(db, scope).where({ id }).first();
  if (!row) throw notFound('Partner');
  return row;
}

// A partner named by id in a key, a token or a transfer must be one of the tenant's partners.
export async function requirePartner(
  db: Database | Transaction,
  tenantId: string,
  id: string,
): Promise<void> {
  const row = await db('partners').where({ tenantId, id }).first('id');
  if (!row) throw domainError(404, 'partner_not_found', `Partner ${id} not found`);
}

// A page of partners in name order (names are unique in a tenant, so the name is the cursor).
export async function listPartners(db: Database, scope: Scope, query: { limit: number; cursor?: string }) {
  const after = decodeCursor(query.cursor, isString);
  const rows: PartnerRow[] = await partnersVisibleTo(db, scope)
    .modify((q) => after !== undefined && q.where('name', '>', after))
    .orderBy('name')
    .limit(query.limit + 1);
  return toPage(rows, query.limit, presentPartner, (row) => row.name);
}
