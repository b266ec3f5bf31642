// Owns who a caller is: the tenant, role and partner an API key acts with, the actor a service records,
// and the one filter that keeps a caller to its tenant's rows and, with a partner key, its partner's.
import type { Model, QueryBuilderType } from 'objection';
import type { Queryable } from '../db/database.ts';

export const ROLES = ['admin', 'integration', 'partner', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

// What a partner's keys may do on the ledger, as an admin granted it to the partner.
export type LedgerAccess = 'none' | 'redeem' | 'redeem_and_credit';

export interface Scope {
  tenantId: string;
  keyId: string;
  role: Role;
  partnerId: string | null;
  // Only for partner keys; other roles' ledger rights follow from the role.
  ledgerAccess?: LedgerAccess;
}

// The caller of a service: its scope, and the request id its audit entries carry.
export interface Actor {
  scope: Scope;
  requestId: string;
}

// Who writes a change: an API caller, or with no actor the operator's CLI or a tenant's signed inbound
// source. Services that such writers share take `Actor | Writer`.
export interface Writer {
  tenantId: string;
  actor: Actor | null;
}

export function writerOf(who: Actor | Writer): Writer {
  return 'scope' in who ? { tenantId: who.scope.tenantId, actor: who } : who;
}

// What a caller may see of a table read through its model: its tenant's rows, and with a partner key only
// its partner's (the column naming the partner is `partnerId`, or `id` for the partners table itself).
// The one partner filter.
export function visibleRows<M extends typeof Model>(
  db: Queryable,
  model: M,
  scope: Scope,
  partnerColumn = 'partnerId',
): QueryBuilderType<InstanceType<M>> {
  const query = model.query(db).where('tenantId', scope.tenantId) as QueryBuilderType<InstanceType<M>>;
  return scope.role === 'partner' ? query.where(partnerColumn, scope.partnerId) : query;
}
