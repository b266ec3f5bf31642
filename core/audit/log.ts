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
  await recordAudits(trx, who, [entry]);
}

// Many entries by one writer in one INSERT (a synced page of members), as one JSON parameter.
export async function recordAudits(trx: Transaction, who: Actor | Writer, entries: AuditEntry[]) {
  if (entries.length === 0) return;
  const { tenantId, actor } = writerOf(who);
  await trx.raw(
    `INSERT INTO audit_log (tenant_id, actor_key_id, actor_role, request_id, action, entity_type,
       entity_id, summary)
     SELECT CAST(? AS uuid), CAST(? AS uuid), ?, ?, v.action, v.entity_type, v.entity_id, v.summary
     FROM jsonb_to_recordset(CAST(? AS jsonb)) AS v(action text, entity_type text, entity_id text, summary text)`,
    [
      tenantId,
      actor?.scope.keyId ?? null,
      actor?.scope.role ?? 'operator',
      actor?.requestId ?? null,
      JSON.stringify(
        entries.map((entry) => ({
          action: entry.action,
          entity_type: entry.entityType,
          entity_id: entry.entityId,
          summary: entry.summary,
        })),
      ),
    ],
  );
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
