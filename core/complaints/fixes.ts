// Owns the one-click fixes a complaint offers, each noted on it and audited: reissue (a voucher's new code
// of the same offer and denomination, for the same issuance and without a second share of caps or
// budget; the old code is voided, never to be assigned again), reverse (the reward's points taken back
// through the ledger, with its own refusals), and resend (the reward's message, to the member's details
// as they are now). A reissued code is sent by delivery as a message of its own.
import { recordAudit } from '../audit/log.ts';
import { assignCode } from '../catalog/codes.ts';
import type { Transaction } from '../db/database.ts';
import { Delivery } from '../delivery/model.ts';
import { resendDelivery } from '../delivery/service.ts';
import { domainError } from '../errors.ts';
import { recordEvent } from '../events/outbox.ts';
import { Issuance } from '../issuance/model.ts';
import { reverse } from '../ledger/transfers.ts';
import type { Actor } from '../tenancy/scope.ts';
import { addNote, findComplaint } from './service.ts';

async function issuanceOf(trx: Transaction, actor: Actor, id: string | null) {
  if (!id)
    throw domainError(409, 'no_issuance', 'The complaint is about a redemption with no reward behind it');
  return (await Issuance.query(trx).findOne({ id, tenantId: actor.scope.tenantId }).forUpdate()) as Issuance;
}

export async function reissue(trx: Transaction, actor: Actor, complaintId: string) {
  const complaint = await findComplaint(trx, actor.scope, complaintId, true);
  const issuance = await issuanceOf(trx, actor, complaint.issuanceId);
  if (issuance.reward.type !== 'voucher' || issuance.status !== 'fulfilled' || !issuance.voucherCodeId)
    throw domainError(409, 'not_reissuable', 'Only a fulfilled voucher reward can be reissued');
  const code = await assignCode(trx, issuance.reward.offerId, issuance.reward.denomination, issuance.id);
  if (!code) throw domainError(409, 'out_of_stock', 'The offer has no free code of this denomination');
  await trx('voucherCodes').where({ id: issuance.voucherCodeId }).update({ voidedAt: trx.fn.now() });
  await Issuance.query(trx).findById(issuance.id).patch({ voucherCodeId: code.id });
  await recordEvent(trx, {
    tenantId: issuance.tenantId,
    type: 'issuance.reissued',
    subject: issuance.id,
    data: {
      issuanceId: issuance.id,
      campaignId: issuance.campaignId,
      memberRef: issuance.memberRef,
      complaintId,
      partnerId: (await trx('offers').where({ id: issuance.reward.offerId }).first('partnerId'))?.partnerId,
      voucherLast4: code.code.slice(-4),
    },
  });
  await recordAudit(trx, actor, {
    action: 'complaint.reissued',
    entityType: 'complaint',
    entityId: complaintId,
    summary: `Reissued ${issuance.memberRef}'s voucher with a new code`,
  });
  return addNote(trx, actor, complaint, { kind: 'reissue', text: `New code …${code.code.slice(-4)}` });
}

// The complaint's message, or the reward's latest, sent again.
export async function resendFromComplaint(trx: Transaction, actor: Actor, complaintId: string) {
  const complaint = await findComplaint(trx, actor.scope, complaintId, true);
  const delivery = complaint.deliveryId
    ? { id: complaint.deliveryId }
    : complaint.issuanceId &&
      (await Delivery.query(trx)
        .where({ issuanceId: complaint.issuanceId, tenantId: actor.scope.tenantId })
        .select('id')
        .orderBy([
          { column: 'createdAt', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .first());
  if (!delivery) throw domainError(409, 'no_delivery', 'The reward has no message to send again');
  const resent = await resendDelivery(trx, actor, delivery.id, `Resent from complaint ${complaintId}`);
  return addNote(trx, actor, complaint, { kind: 'resend', text: `Message ${resent.id} queued again` });
}

export async function reverseReward(trx: Transaction, actor: Actor, complaintId: string, reason?: string) {
  const complaint = await findComplaint(trx, actor.scope, complaintId, true);
  const issuance = await issuanceOf(trx, actor, complaint.issuanceId);
  if (!issuance.transferId)
    throw domainError(409, 'not_reversible', 'The issuance credited no points to reverse');
  const movement = await reverse(trx, actor.scope, issuance.transferId, reason ?? `Complaint ${complaintId}`);
  await recordAudit(trx, actor, {
    action: 'complaint.reversed',
    entityType: 'complaint',
    entityId: complaintId,
    summary: `Reversed ${issuance.memberRef}'s points`,
  });
  const noted = await addNote(trx, actor, complaint, {
    kind: 'reverse',
    text: `Points reversed by transfer ${(movement as { transfer: { id: string } }).transfer.id}`,
  });
  return noted;
}
