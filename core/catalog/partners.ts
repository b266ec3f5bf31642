// Owns partners: the businesses whose offers members receive and who redeem them.
import { recordAudit } from '../audit/log.ts';
import type { Database, Transaction } from '../db/database.ts';
import type { Actor, Scope } from '../http/context.ts';
import { domainError, notFound } from '../http/errors.ts';

export interface PartnerRow {
  id: string;
  tenantId: string;
  name: string;
  createdAt: Date;
}

export const presentPartner = ({ tenantId: _t, ...shown }: PartnerRow) => shown;

export async function createPartner(trx: Transaction, actor: Actor, name: string) {
  const [row]: PartnerRow[] = await trx('partners')
    .insert({ tenantId: actor.scope.tenantId, name })
    .onConflict(['tenantId', 'name'])
    .ignore()
    .returning('*');
  if (!row) throw domainError(409, 'partner_exists', `A partner named "${name}" exists`);
  await recordAudit(trx, actor, actor.scope.tenantId, {
    action: 'partner.created',
    entityType: 'partner',
    entityId: row.id,
    summary: `Partner "${name}"`,
  });
  return row;
}

// A partner key sees only its own partner.
export function partnersVisibleTo(db: Database | Transaction, scope: Scope) {
  return db('partners')
    .where({ tenantId: scope.tenantId })
    .modify((q) => scope.role === 'partner' && q.where({ id: scope.partnerId }));
}

export async function findPartner(db: Database | Transaction, scope: Scope, id: string): Promise<PartnerRow> {
  const row = await partnersVisibleTo(db, scope).where({ id }).first();
  if (!row) throw notFound('Partner');
  return row;
}
