// Owns inbound sources: the source systems (POS, HR, CRM middleware) that push signed events into
// Tessera, each with its own secret (shown once) and its counts of accepted and rejected requests.
import { recordAudit } from '../../core/audit/log.ts';
import type { Database, Transaction } from '../../core/db/database.ts';
import { domainError, notFound } from '../../core/errors.ts';
import { decodeCursor, isString, type Page, toPage } from '../../core/paging.ts';
import type { Actor } from '../../core/tenancy/scope.ts';
import { generateSecret, type SignatureFailure } from '../signing.ts';

export const SOURCE_KINDS = ['pos', 'hr', 'crm', 'loyalty', 'other'] as const;

export interface SourceRow {
  id: string;
  tenantId: string;
  name: string;
  kind: string;
  secret: string;
  acceptedCount: string;
  rejectedCount: string;
  lastRejectedAt: Date | null;
  lastRejection: string | null;
  createdAt: Date;
}

export function presentSource(row: SourceRow) {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    path: `/webhooks/inbound/${row.id}`,
    acceptedCount: Number(row.acceptedCount),
    rejectedCount: Number(row.rejectedCount),
    lastRejectedAt: row.lastRejectedAt,
    lastRejection: row.lastRejection,
    createdAt: row.createdAt,
  };
}

export async function createSource(trx: Transaction, actor: Actor, input: { name: string; kind: string }) {
  const [row]: SourceRow[] = await trx('inbound_sources')
    .insert({ tenantId: actor.scope.tenantId, name: input.name, kind: input.kind, secret: generateSecret() })
    .onConflict(['tenantId', 'name'])
    .ignore()
    .returning('*');
  if (!row) throw domainError(409, 'inbound_source_exists', `An inbound source named "${input.name}" exists`);
  await recordAudit(trx, actor, {
    action: 'inbound_source.created',
    entityType: 'inbound_source',
    entityId: row.id,
    summary: `Inbound ${input.kind} source "${input.name}"`,
  });
  return { ...presentSource(row), secret: row.secret };
}

export async function findSource(db: Database, tenantId: string, id: string): Promise<SourceRow> {
  const row = await db('inbound_sources').where({ tenantId, id }).first();
  if (!row) throw notFound('Inbound source');
  return row;
}

export async function listSources(db: Database, tenantId: string, query: { limit: number; cursor?: string }) {
  const after = decodeCursor(query.cursor, isString);
  const rows: SourceRow[] = await db('inbound_sources')
    .where({ tenantId })
    .modify((q) => after && q.where('id', '>', after))
    .orderBy('id')
    .limit(query.limit + 1);
  return toPage(rows, query.limit, presentSource, (row) => row.id) as Page<unknown>;
}

// A rejected request leaves nothing behind but this count.
export async function countRejection(db: Database, id: string, failure: SignatureFailure) {
  await db('inbound_sources')
    .where({ id })
    .update({
      rejectedCount: db.raw('rejected_count + 1'),
      lastRejectedAt: db.fn.now(),
      lastRejection: failure,
    });
}
