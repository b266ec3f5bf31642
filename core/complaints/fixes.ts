// Owns the one-click fixes a complaint offers, each noted on it and audited: reissue (a voucher's new code
// of the same offer and denomination, for the same issuance and without a second share of caps or
// budget; the old code is voided, never to be assigned again) and reverse (the reward's points taken back
// through the ledger, with its own refusals).
import { recordAudit } from '../audit/log.ts';
import { assignCode } from '../catalog/codes.ts';
import type { Transaction } from '../db/database.ts';
import { domainError } from '../errors.ts';
import { recordEvent } from '../events/outbox.ts';
import { Issuance } from '../issuance/model.ts';
import { reverse } from '../ledger/transfers.ts';
import type { Actor } from '../tenancy/scope.ts';
import { addNote, findComplaint } from './service.ts';

async function issuanceOf(trx: Transaction, actor: Actor, id: string) {
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
