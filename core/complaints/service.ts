// Owns complaints: opened against an issuance (or one of its messages) with a due time from the tenant's SLA for its priority,
// moved through a transition table (open → in_progress → resolved → closed; resolved or closed → open),
// commented on, and reported as complaint.* events with an audit entry for every change.
import { recordAudit } from '../audit/log.ts';
import type { Queryable, Transaction } from '../db/database.ts';
import { Delivery } from '../delivery/model.ts';
import { domainError, notFound } from '../errors.ts';
import { recordEvent } from '../events/outbox.ts';
import { Issuance } from '../issuance/model.ts';
import { decodeCursor, isString, type Page, toPage } from '../paging.ts';
import { Redemption } from '../redemptions/model.ts';
import type { Actor, Scope } from '../tenancy/scope.ts';
import { type Priority, readSettings } from '../tenancy/settings.ts';
import { Complaint, type ComplaintNote, type ComplaintStatus } from './model.ts';

export const TRANSITIONS: Record<ComplaintStatus, ComplaintStatus[]> = {
  open: ['in_progress', 'resolved'],
  in_progress: ['resolved', 'open'],
  resolved: ['closed', 'open'],
  closed: ['open'],
};

// The event each arrival announces; a move back to open from resolved or closed is a reopening.
const EVENT_OF: Partial<Record<ComplaintStatus, string>> = { resolved: 'resolved', closed: 'closed' };

export interface ComplaintInput {
  issuanceId?: string;
  deliveryId?: string;
  redemptionId?: string;
  category: Complaint['category'];
  description: string;
  priority: Priority;
  assignee?: string;
}

export interface ComplaintChange {
  status?: ComplaintStatus;
  assignee?: string | null;
  priority?: Priority;
}

export function presentComplaint(row: Complaint) {
  const { tenantId: _t, ...shown } = row.toJSON() as Complaint & { tenantId: string };
  return { ...shown, breached: row.breachedAt !== null };
}

export async function announce(trx: Transaction, row: Complaint, type: string, extra: object = {}) {
  await recordEvent(trx, {
    tenantId: row.tenantId,
    type: `complaint.${type}`,
    subject: row.id,
    data: {
      complaintId: row.id,
      issuanceId: row.issuanceId,
      deliveryId: row.deliveryId,
      redemptionId: row.redemptionId,
      category: row.category,
      priority: row.priority,
      status: row.status,
      dueAt: row.dueAt,
      ...extra,
    },
  });
}

const dueFrom = (from: Date, minutes: number) => new Date(from.getTime() + minutes * 60_000);

// What a complaint is about: a reward, one of its messages, or a redemption (and the reward of its code,
// when it has one).
async function subjectOf(trx: Transaction, scope: Scope, input: ComplaintInput) {
  const tenantId = scope.tenantId;
  const delivery = input.deliveryId
    ? await Delivery.query(trx).findOne({ id: input.deliveryId, tenantId })
    : undefined;
  if (input.deliveryId && !delivery) throw notFound('Delivery');
  const redemption = input.redemptionId
    ? await Redemption.query(trx).findOne({ id: input.redemptionId, tenantId })
    : undefined;
  if (input.redemptionId && !redemption) throw notFound('Redemption');
  const codeIssuance = redemption?.codeId
    ? (await trx('voucherCodes').where({ id: redemption.codeId }).first('issuanceId'))?.issuanceId
    : undefined;
  const issuanceId = delivery?.issuanceId ?? input.issuanceId ?? codeIssuance;
  const issuance = issuanceId ? await Issuance.query(trx).findOne({ id: issuanceId, tenantId }) : undefined;
  if (!issuance && !redemption) throw notFound('Issuance');
  return {
    issuanceId: issuance?.id ?? null,
    memberRef: issuance?.memberRef ?? redemption?.memberRef ?? 'a member',
    deliveryId: delivery?.id ?? null,
    redemptionId: redemption?.id ?? null,
  };
}

export async function openComplaint(trx: Transaction, actor: Actor, input: ComplaintInput) {
  const subject = await subjectOf(trx, actor.scope, input);
  const { complaints } = await readSettings(trx, actor.scope.tenantId);
  const row = await Complaint.query(trx)
    .insert({
      tenantId: actor.scope.tenantId,
      issuanceId: subject.issuanceId,
      deliveryId: subject.deliveryId,
      redemptionId: subject.redemptionId,
      category: input.category,
      description: input.description,
      priority: input.priority,
      assignee: input.assignee ?? null,
      dueAt: dueFrom(new Date(), complaints.slaMinutes[input.priority]),
    })
    .returning('*');
  await recordAudit(trx, actor, {
    action: 'complaint.opened',
    entityType: 'complaint',
    entityId: row.id,
    summary: `${input.priority} complaint (${input.category}) about ${subject.memberRef}'s reward`,
  });
  await announce(trx, row, 'opened', { memberRef: subject.memberRef });
  return row;
}

export async function findComplaint(db: Queryable, scope: Scope, id: string, lock = false) {
  const row = await Complaint.query(db)
    .findOne({ tenantId: scope.tenantId, id })
    .modify((q) => lock && q.forUpdate());
  if (!row) throw notFound('Complaint');
  return row;
}

function moved(row: Complaint, status: ComplaintStatus): Partial<Complaint> {
  if (!TRANSITIONS[row.status].includes(status))
    throw domainError(409, 'invalid_transition', `A complaint that is ${row.status} cannot become ${status}`);
  const now = new Date();
  if (status === 'resolved') return { status, resolvedAt: now };
  if (status === 'closed') return { status, closedAt: now };
  if (status === 'open') return { status, resolvedAt: null, closedAt: null };
  return { status };
}

export async function changeComplaint(trx: Transaction, actor: Actor, id: string, change: ComplaintChange) {
  const row = await findComplaint(trx, actor.scope, id, true);
  const fields: Partial<Complaint> = {
    ...(change.status && change.status !== row.status && moved(row, change.status)),
    ...(change.assignee !== undefined && { assignee: change.assignee }),
  };
  if (change.priority && change.priority !== row.priority) {
    const { complaints } = await readSettings(trx, actor.scope.tenantId);
    fields.priority = change.priority;
    fields.dueAt = dueFrom(row.createdAt, complaints.slaMinutes[change.priority]);
  }
  // patchAndFetch updates `row` itself: what it was is kept first.
  const was = row.status;
  const changed = await row.$query(trx).patchAndFetch({ ...fields, updatedAt: new Date() });
  await recordAudit(trx, actor, {
    action: 'complaint.changed',
    entityType: 'complaint',
    entityId: id,
    summary: `Complaint ${Object.keys(fields).join(', ')} changed`,
  });
  if (fields.status) {
    const reopened = fields.status === 'open' && (was === 'resolved' || was === 'closed');
    const type = reopened ? 'reopened' : EVENT_OF[fields.status];
    if (type) await announce(trx, changed, type);
  }
  return changed;
}

// A comment or a one-click fix, kept on the complaint in the order they came.
export async function addNote(
  trx: Transaction,
  actor: Actor,
  row: Complaint,
  note: Omit<ComplaintNote, 'at' | 'by'>,
) {
  const entry: ComplaintNote = { at: new Date().toISOString(), by: actor.scope.keyId, ...note };
  return row.$query(trx).patchAndFetch({ notes: [...row.notes, entry], updatedAt: new Date() });
}

export interface ComplaintQuery {
  status?: ComplaintStatus;
  priority?: Priority;
  breached?: boolean;
  assignee?: string;
  limit: number;
  cursor?: string;
}

export async function listComplaints(db: Queryable, scope: Scope, query: ComplaintQuery) {
  const before = decodeCursor(query.cursor, isString);
  const rows = await Complaint.query(db)
    .where({ tenantId: scope.tenantId })
    .modify((q) => {
      if (query.status) q.where({ status: query.status });
      if (query.priority) q.where({ priority: query.priority });
      if (query.assignee) q.where({ assignee: query.assignee });
      if (query.breached !== undefined) q.where('breachedAt', query.breached ? 'is not' : 'is', null);
      if (before) q.where('id', '<', before);
    })
    .orderBy('id', 'desc')
    .limit(query.limit + 1);
  return toPage(rows, query.limit, presentComplaint, (row) => row.id) as Page<unknown>;
}
