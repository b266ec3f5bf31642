// Owns reading deliveries (a page with filters, one with every attempt) and resending them: a failed or
// unconfirmed message goes back to the queue to try the member's channels again with their details as
// they are now. A resend sends the same reward's message; it never issues a second reward.
import { recordAudit } from '../audit/log.ts';
import type { Queryable, Transaction } from '../db/database.ts';
import { domainError, notFound } from '../errors.ts';
import { decodeCursor, isString, toPage } from '../paging.ts';
import type { Actor, Scope } from '../tenancy/scope.ts';
import type { Channel } from '../tenancy/settings.ts';
import { Delivery, DeliveryAttempt, type DeliveryStatus } from './model.ts';
import { wakeDispatchers } from './queue.ts';

export function presentDelivery(row: Delivery) {
  return {
    id: row.id,
    issuanceId: row.issuanceId,
    campaignId: row.campaignId,
    memberRef: row.memberRef,
    partnerId: row.partnerId,
    kind: row.kind,
    status: row.status,
    channel: row.channel,
    providerId: row.providerId,
    failureReason: row.failureReason,
    failureDetail: row.failureDetail,
    nextAttemptAt: row.status === 'queued' ? row.nextAttemptAt : null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    sentAt: row.sentAt,
    deliveredAt: row.deliveredAt,
    failedAt: row.failedAt,
  };
}

export interface DeliveryFilter {
  status?: DeliveryStatus;
  reason?: string;
  channel?: Channel;
  campaignId?: string;
  memberRef?: string;
}

const filtered = (db: Queryable, scope: Scope, filter: DeliveryFilter) =>
  Delivery.query(db)
    .where({ tenantId: scope.tenantId })
    .modify((q) => {
      if (filter.status) q.where({ status: filter.status });
      if (filter.reason) q.where({ failureReason: filter.reason });
      if (filter.channel) q.where({ channel: filter.channel });
      if (filter.campaignId) q.where({ campaignId: filter.campaignId });
      if (filter.memberRef) q.where({ memberRef: filter.memberRef });
    });

export async function listDeliveries(
  db: Queryable,
  scope: Scope,
  query: DeliveryFilter & { limit: number; cursor?: string },
) {
  const after = decodeCursor(query.cursor, isString);
  const rows = await filtered(db, scope, query)
    .modify((q) => after && q.where('id', '<', after))
    .orderBy('id', 'desc')
    .limit(query.limit + 1);
  return toPage(rows, query.limit, presentDelivery, (row) => row.id);
}

export async function getDelivery(db: Queryable, scope: Scope, id: string) {
  const row = await Delivery.query(db).findOne({ id, tenantId: scope.tenantId });
  if (!row) throw notFound('Delivery');
  const attempts = await DeliveryAttempt.query(db).where({ deliveryId: id }).orderBy('id');
  return {
    ...presentDelivery(row),
    attempts: attempts.map(({ at, channel, connectionId, address, providerId, outcome, reason, error }) => ({
      at,
      channel,
      connectionId,
      address,
      providerId,
      outcome,
      reason,
      error,
    })),
  };
}

// Back to the queue with every channel open again; a delivered message, or one already waiting, is not.
export async function resendDelivery(trx: Transaction, actor: Actor, id: string, note?: string) {
  const row = await Delivery.query(trx).findOne({ id, tenantId: actor.scope.tenantId }).forUpdate();
  if (!row) throw notFound('Delivery');
  if (row.status === 'delivered')
    throw domainError(409, 'already_delivered', 'The message was delivered; it is not sent again');
  if (row.status === 'queued')
    throw domainError(409, 'already_queued', 'The message is already waiting to be sent');
  const resent = await row.$query(trx).patchAndFetch({
    status: 'queued',
    tried: [],
    attempts: 0,
    nextAttemptAt: new Date(),
    sendingUntil: null,
    providerId: null,
    failureReason: null,
    failureDetail: null,
    failedAt: null,
    updatedAt: new Date(),
  });
  await wakeDispatchers(trx);
  await recordAudit(trx, actor, {
    action: 'delivery.resent',
    entityType: 'delivery',
    entityId: id,
    summary: note ?? `Resent ${row.memberRef}'s reward message`,
  });
  return presentDelivery(resent);
}

// The most a bulk resend takes at once; `more` says others match.
export const RESEND_MAX = 1000;

// Each delivery in its own savepoint: one that cannot be resent does not hold back the others.
export async function resendMany(
  trx: Transaction,
  actor: Actor,
  selection: { ids?: string[]; filter?: DeliveryFilter },
) {
  let ids = selection.ids ? [...new Set(selection.ids)] : [];
  let more = false;
  if (selection.filter) {
    const found = await filtered(trx, actor.scope, { status: 'failed', ...selection.filter })
      .select('id')
      .orderBy('id')
      .limit(RESEND_MAX + 1);
    more = found.length > RESEND_MAX;
    ids = found.slice(0, RESEND_MAX).map((row) => row.id);
  }
  const results = [];
  for (const id of ids) {
    try {
      const resent = await trx.transaction((savepoint) => resendDelivery(savepoint, actor, id));
      results.push({ id, ok: true, status: resent.status });
    } catch (error) {
      const boom = error as { isBoom?: boolean; message: string; data?: { code: string } };
      if (!boom.isBoom) throw error;
      results.push({ id, ok: false, error: { code: boom.data?.code, message: boom.message } });
    }
  }
  return { results, more };
}
