// Owns inbound sources: the source systems (POS, HR, CRM middleware) that push signed events into
// Tessera, each with its own secret (shown once) and its counts of accepted and rejected requests.
import { recordAudit } from '../../core/audit/log.ts';
import type { Queryable, Transaction } from '../../core/db/database.ts';
import { domainError, notFound } from '../../core/errors.ts';
import { decodeCursor, isString, type Page, toPage } from '../../core/paging.ts';
import type { Actor, Scope } from '../../core/tenancy/scope.ts';
import { generateSecret, type SignatureFailure } from '../signing.ts';
import { InboundSource } from './model.ts';

export const SOURCE_KINDS = ['pos', 'hr', 'crm', 'loyalty', 'other'] as const;

export function presentSource(row: InboundSource) {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    path: `/webhooks/inbound/${row.id}`,
    connectionId: row.connectionId,
    acceptedCount: Number(row.acceptedCount),
    rejectedCount: Number(row.rejectedCount),
    lastRejectedAt: row.lastRejectedAt,
    lastRejection: row.lastRejection,
    createdAt: row.createdAt,
  };
}

export async function createSource(
  trx: Transaction,
  actor: Actor,
  input: { name: string; kind: string; connectionId?: string },
) {
  const row = await InboundSource.query(trx)
    .insert({
      tenantId: actor.scope.tenantId,
      name: input.name,
      kind: input.kind,
      secret: generateSecret(),
      connectionId: input.connectionId ?? null,
    })
    .onConflict(['tenantId', 'name'])
    .ignore()
    .returning('*')
    .first();
  if (!row?.id)
    throw domainError(409, 'inbound_source_exists', `An inbound source named "${input.name}" exists`);
  await recordAudit(trx, actor, {
    action: 'inbound_source.created',
    entityType: 'inbound_source',
    entityId: row.id,
    summary: `Inbound ${input.kind} source "${input.name}"`,
  });
  return { ...presentSource(row), secret: row.secret };
}

export async function findSource(db: Queryable, scope: Scope, id: string): Promise<InboundSource> {
  const row = await InboundSource.query(db).findOne({ tenantId: scope.tenantId, id });
  if (!row) throw notFound('Inbound source');
  return row;
}

export async function listSources(db: Queryable, scope: Scope, query: { limit: number; cursor?: string }) {
  const after = decodeCursor(query.cursor, isString);
  const rows = await InboundSource.query(db)
    .where({ tenantId: scope.tenantId })
    .modify((q) => after && q.where('id', '>', after))
    .orderBy('id')
    .limit(query.limit + 1);
  return toPage(rows, query.limit, presentSource, (row) => row.id) as Page<unknown>;
}

// A rejected request leaves nothing behind but this count.
export async function countRejection(db: Queryable, id: string, failure: SignatureFailure) {
  await InboundSource.query(db)
    .findById(id)
    .patch({
      rejectedCount: db.raw('rejected_count + 1') as unknown as number,
      lastRejectedAt: db.fn.now() as unknown as Date,
      lastRejection: failure,
    });
}
