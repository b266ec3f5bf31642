// Owns the audit trail: appending an entry inside the caller's transaction, and reading entries back.
import type { Queryable, Transaction } from '../db/database.ts';
import { decodeCursor, isPositiveInteger, type Page, toPage } from '../paging.ts';
import { type Actor, type Scope, type Writer, writerOf } from '../tenancy/scope.ts';
import { AuditRecord } from './model.ts';

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId: string;
  summary: string;
}

export async function recordAudit(trx: Transaction, who: Actor | Writer, entry: AuditEntry) {
  const { tenantId, actor } = writerOf(who);
  await AuditRecord.query(trx).insert({
    tenantId,
    actorKeyId: actor?.scope.keyId ?? null,
    actorRole: actor?.scope.role ?? 'operator',
    requestId: actor?.requestId ?? null,
    ...entry,
  });
}

export interface AuditQuery {
  entityType?: string;
  entityId?: string;
  from?: Date;
  to?: Date;
  limit: number;
  cursor?: string;
}

// Newest first: the cursor is the id of the last entry shown.
export async function listAudit(db: Queryable, scope: Scope, query: AuditQuery): Promise<Page<unknown>> {
  const before = decodeCursor(query.cursor, isPositiveInteger);
  const rows = await AuditRecord.query(db)
    .where({ tenantId: scope.tenantId })
    .modify((q) => {
      if (query.entityType) q.where('entityType', query.entityType);
      if (query.entityId) q.where('entityId', query.entityId);
      if (query.from) q.where('createdAt', '>=', query.from);
      if (query.to) q.where('createdAt', '<', query.to);
      if (before) q.where('id', '<', before);
    })
    .orderBy('id', 'desc')
    .limit(query.limit + 1);
  return toPage(
    rows,
    query.limit,
    (row) => row.toJSON(),
    (row) => row.id,
  );
}
