// Owns dispatching an approved upload on a worker: its valid rows in batches (each one transaction),
// each row an issuance of its own amount under its campaign's governance, its member created first when
// unknown. A row that governance refuses records why and is not retried. uploadId and uploadRow are unique
// on issuances, and a batch commits with its rows' outcomes, so a dispatch a crash interrupted resumes
// where it stopped without issuing any row twice.

import { Campaign } from '../campaigns/model.ts';
import { lockProgress } from '../campaigns/progress.ts';
import type { Database, Transaction } from '../db/database.ts';
import type { Reward } from '../issuance/model.ts';
import { issue } from '../issuance/service.ts';
import { type EligibleMember, isEligible } from '../members/eligibility.ts';
import { upsertMembers } from '../members/service.ts';
import { announce, moveUpload } from './lifecycle.ts';
import { Upload, UploadRow } from './model.ts';

const PROGRESS_EVERY_MS = 1_000;

type Member = { id: string; externalRef: string; status?: string } & Partial<EligibleMember>;

// The batch's members: those validation found, and the rest created (or found, when an earlier row of
// the upload created them) in one batched upsert of the batch.
async function membersOf(trx: Transaction, upload: Upload, rows: UploadRow[]): Promise<Map<string, Member>> {
  const members = new Map<string, Member>();
  const missing = new Map<string, UploadRow>();
  for (const row of rows) {
    if (row.memberId)
      members.set(row.memberRef as string, { id: row.memberId, externalRef: row.memberRef as string });
    else if (!missing.has(row.memberRef as string)) missing.set(row.memberRef as string, row);
  }
  const upserts = [...missing.values()].map((row) => ({
    externalRef: row.memberRef as string,
    input: {
      ...(row.name && { name: row.name }),
      ...(row.email && { email: row.email }),
      ...(row.phone && { phone: row.phone }),
      ...(row.channel && { preferredChannel: row.channel as 'sms' | 'email' | 'whatsapp' }),
    },
  }));
  if (upserts.length)
    for (const { member } of await upsertMembers(trx, { tenantId: upload.tenantId, actor: null }, upserts))
      members.set(member.externalRef, { id: member.id, externalRef: member.externalRef });
  // What eligibility reads, as it stands now: a member may have left or changed since validation.
  const ids = [...members.values()].map((member) => member.id);
  const now = await trx('members')
    .whereIn('id', ids)
    .select('id', 'status', 'segments', 'tier', 'country', 'attributes');
  const byId = new Map(now.map((row) => [row.id, row]));
  for (const member of members.values()) Object.assign(member, byId.get(member.id));
  return members;
}

const eligible = (campaign: Campaign, member: Member) =>
  member.status !== 'inactive' && isEligible(campaign.eligibility, member as EligibleMember);

const rewardOf = (campaign: Campaign, amount: number): Reward =>
  campaign.reward.type === 'points'
    ? { type: 'points', amount }
    : { type: 'voucher', offerId: campaign.reward.offerId, denomination: amount };

async function dispatchRow(
  trx: Transaction,
  upload: Upload,
  row: UploadRow,
  campaign: Campaign,
  member: Member,
) {
  if (!eligible(campaign, member)) {
    await UploadRow.query(trx)
      .findById([upload.id, row.row])
      .patch({ status: 'refused', refusal: 'not_eligible' });
    return 'refused' as const;
  }
  // The member's progress lock orders this issuance with the campaign's others for the member cap.
  if (campaign.memberCapCount) await lockProgress(trx, campaign.id, member.id);
  const amount = Number(row.amount);
  const result = await issue(trx, {
    campaign,
    member,
    origin: 'upload',
    reason: row.note ?? undefined,
    upload: { id: upload.id, row: row.row, reward: rewardOf(campaign, amount), cost: amount },
  });
  const outcome = result.ok
    ? { status: 'dispatched' as const, issuanceId: result.issuance.id }
    : { status: 'refused' as const, refusal: result.refusal };
  await UploadRow.query(trx).findById([upload.id, row.row]).patch(outcome);
  return outcome.status;
}

// One batch in one transaction; answers how many rows it took (none: the upload is done).
async function dispatchBatch(db: Database, uploadId: string, size: number, announceProgress: boolean) {
  return db.transaction(async (trx) => {
    const upload = (await Upload.query(trx).findById(uploadId).forUpdate()) as Upload;
    const rows = await UploadRow.query(trx).where({ uploadId, status: 'valid' }).orderBy('row').limit(size);
    const campaigns = new Map<string, Campaign>();
    const members = await membersOf(trx, upload, rows);
    const counts = { dispatched: 0, refused: 0 };
    for (const row of rows) {
      const id = row.campaignId as string;
      if (!campaigns.has(id)) campaigns.set(id, (await Campaign.query(trx).findById(id)) as Campaign);
      const member = members.get(row.memberRef as string) as Member;
      counts[await dispatchRow(trx, upload, row, campaigns.get(id) as Campaign, member)] += 1;
    }
    const patch = {
      dispatched: upload.dispatched + counts.dispatched,
      refused: upload.refused + counts.refused,
    };
    const moved =
      rows.length === 0
        ? await moveUpload(trx, upload, 'dispatched', { dispatchedAt: new Date() })
        : await upload.$query(trx).patchAndFetch({ ...patch, updatedAt: new Date() });
    if (rows.length === 0) await announce(trx, moved, 'dispatched');
    else if (announceProgress) await announce(trx, moved, 'progressed');
    return rows.length;
  });
}

// Runs on a worker: from approved (or a dispatch a crash interrupted) to dispatched.
export async function dispatchUpload(db: Database, uploadId: string, batchRows: number) {
  const started = await db.transaction(async (trx) => {
    const upload = await Upload.query(trx).findById(uploadId).forUpdate();
    if (upload?.status === 'approved') await moveUpload(trx, upload, 'dispatching');
    return upload?.status === 'approved' || upload?.status === 'dispatching';
  });
  if (!started) return;
  let lastProgress = Date.now();
  for (;;) {
    const due = Date.now() - lastProgress >= PROGRESS_EVERY_MS;
    if (due) lastProgress = Date.now();
    if ((await dispatchBatch(db, uploadId, batchRows, due)) === 0) return;
  }
}
