// Owns an upload's states as a transition table (receiving → validating → validated → approved →
// dispatching → dispatched; validated → validating on corrections; cancelled before approval), what an
// answer shows of it, and the upload.* events that report each step.
import { recordAudit } from '../audit/log.ts';
import type { Queryable, Transaction } from '../db/database.ts';
import { domainError, notFound } from '../errors.ts';
import { recordEvent } from '../events/outbox.ts';
import { decodeCursor, isString, type Page, toPage } from '../paging.ts';
import type { Actor, Scope } from '../tenancy/scope.ts';
import { readSettings } from '../tenancy/settings.ts';
import { Upload, type UploadStatus } from './model.ts';

export const TRANSITIONS: Record<UploadStatus, UploadStatus[]> = {
  receiving: ['validating', 'cancelled'],
  validating: ['validated', 'cancelled'],
  validated: ['approved', 'validating', 'cancelled'],
  approved: ['dispatching'],
  dispatching: ['dispatched'],
  dispatched: [],
  cancelled: [],
};

export const VALIDATE_QUEUE = 'upload-validate';
export const DISPATCH_QUEUE = 'upload-dispatch';

export interface UploadJob {
  uploadId: string;
}

export function presentUpload(row: Upload) {
  return {
    id: row.id,
    campaignId: row.campaignId,
    status: row.status,
    format: row.format,
    counts: {
      read: row.rowsRead,
      valid: row.valid,
      invalid: row.invalid,
      dispatched: row.dispatched,
      refused: row.refused,
    },
    summary: row.summary,
    createdAt: row.createdAt,
    validatedAt: row.validatedAt,
    approvedAt: row.approvedAt,
    dispatchedAt: row.dispatchedAt,
  };
}

export async function announce(trx: Transaction, row: Upload, type: string) {
  await recordEvent(trx, {
    tenantId: row.tenantId,
    type: `upload.${type}`,
    subject: row.id,
    data: { uploadId: row.id, ...presentUpload(row) },
  });
}

export async function findUpload(db: Queryable, scope: Scope, id: string, lock = false): Promise<Upload> {
  const row = await Upload.query(db)
    .findOne({ tenantId: scope.tenantId, id })
    .modify((q) => lock && q.forUpdate());
  if (!row) throw notFound('Upload');
  return row;
}

// Moves the upload (locked by the caller) to `status`, with `fields`; anything the table does not allow
// is 409 invalid_transition.
export async function moveUpload(
  trx: Transaction,
  row: Upload,
  status: UploadStatus,
  fields: Partial<Upload> = {},
): Promise<Upload> {
  if (!TRANSITIONS[row.status].includes(status))
    throw domainError(409, 'invalid_transition', `An upload that is ${row.status} cannot become ${status}`);
  return row.$query(trx).patchAndFetch({ ...fields, status, updatedAt: new Date() });
}

export async function listUploads(
  db: Queryable,
  scope: Scope,
  query: { status?: UploadStatus; limit: number; cursor?: string },
) {
  const before = decodeCursor(query.cursor, isString);
  const rows = await Upload.query(db)
    .where({ tenantId: scope.tenantId })
    .modify((q) => {
      if (query.status) q.where({ status: query.status });
      if (before) q.where('id', '<', before);
    })
    .orderBy('id', 'desc')
    .limit(query.limit + 1);
  return toPage(rows, query.limit, presentUpload, (row) => row.id) as Page<unknown>;
}

// The approval is the upload's rows' approval: with maker-checker on, not by the key that sent it.
export async function approveUpload(trx: Transaction, actor: Actor, id: string) {
  const row = await findUpload(trx, actor.scope, id, true);
  const { uploads } = await readSettings(trx, actor.scope.tenantId);
  if (uploads.makerChecker && row.uploadedBy === actor.scope.keyId && row.status === 'validated')
    throw domainError(
      409,
      'four_eyes_required',
      'Another API key than the one that sent the upload must approve it',
    );
  const approved = await moveUpload(trx, row, 'approved', {
    approvedBy: actor.scope.keyId,
    approvedAt: new Date(),
  });
  await recordAudit(trx, actor, {
    action: 'upload.approved',
    entityType: 'upload',
    entityId: id,
    summary: `Approved an upload of ${row.valid} rows`,
  });
  await announce(trx, approved, 'approved');
  return approved;
}

export async function cancelUpload(trx: Transaction, actor: Actor, id: string) {
  const row = await findUpload(trx, actor.scope, id, true);
  const cancelled = await moveUpload(trx, row, 'cancelled');
  await recordAudit(trx, actor, {
    action: 'upload.cancelled',
    entityType: 'upload',
    entityId: id,
    summary: `Cancelled an upload of ${row.rowsRead} rows`,
  });
  await announce(trx, cancelled, 'cancelled');
  return cancelled;
}
