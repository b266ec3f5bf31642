// Owns validating an upload's staged rows before anything is dispatched, for all rows at once in SQL
// where it can (campaign known and active, member found by reference, email or phone, inactive members,
// reward and amount, duplicates) and in batches where a rule lives in code (denominations, eligibility);
// then the counts and, per campaign, the cost against what remains of its budget, rewards and stock.
import type { Knex } from 'knex';
import { denominationAllowed } from '../catalog/offers.ts';
import type { Database, Transaction } from '../db/database.ts';
import { isEligible } from '../members/eligibility.ts';
import { announce, moveUpload } from './lifecycle.ts';
import { Upload } from './model.ts';

type Bindings = readonly Knex.RawBinding[];

// A range of an upload's rows, checked in a transaction of its own: statements stay short on a file of
// a million rows, and no transaction holds back readers of committed events for long.
type Part = Upload & { from: number; to: number };
const PART_ROWS = 50_000;
const PENDING = `r.upload_id = ? AND r.row BETWEEN ? AND ? AND r.status = 'pending'`;
const rowsOf = (part: Part) => [part.id, part.from, part.to];

// Marks the pending rows `where` selects (r: the row, joined to `from`) invalid with one error.
async function refuse(
  trx: Transaction,
  part: Part,
  error: { column: string; code: string; message: string },
  from: string,
  where: string,
  bindings: Bindings = [],
) {
  await trx.raw(
    `UPDATE upload_rows r SET status = 'invalid', errors = r.errors || jsonb_build_array(CAST(? AS jsonb))
       ${from} WHERE ${PENDING} AND ${where}`,
    [JSON.stringify(error), ...rowsOf(part), ...bindings],
  );
}

async function resolveCampaigns(trx: Transaction, upload: Part) {
  await trx.raw(
    `UPDATE upload_rows r SET campaign_id = c.id FROM campaigns c
      WHERE ${PENDING} AND c.tenant_id = ? AND c.id::text = COALESCE(r.campaign, ?)`,
    [...rowsOf(upload), upload.tenantId, upload.campaignId ?? ''],
  );
  await refuse(
    trx,
    upload,
    { column: 'campaignId', code: 'campaign_unknown', message: 'No such campaign' },
    '',
    'r.campaign_id IS NULL',
  );
  await refuse(
    trx,
    upload,
    { column: 'campaignId', code: 'campaign_not_active', message: 'The campaign is not active' },
    'FROM campaigns c',
    `c.id = r.campaign_id AND c.status <> 'active'`,
  );
}

// By reference; a row with none by email, then phone; a member still unknown is created at dispatch
// with the email or phone as its reference.
async function resolveMembers(trx: Transaction, upload: Part) {
  const pending = `${PENDING} AND r.member_id IS NULL`;
  await trx.raw(
    `UPDATE upload_rows r SET member_id = m.id FROM members m
      WHERE ${pending} AND m.tenant_id = ? AND m.external_ref = r.member_ref`,
    [...rowsOf(upload), upload.tenantId],
  );
  for (const column of ['email', 'phone'])
    await trx.raw(
      `UPDATE upload_rows r SET member_id = m.id, member_ref = m.external_ref
         FROM (SELECT DISTINCT ON (${column === 'email' ? 'lower(email)' : 'phone'}) id, external_ref,
                 ${column === 'email' ? 'lower(email)' : 'phone'} AS value
               FROM members WHERE tenant_id = ? AND ${column} IS NOT NULL ORDER BY 3, id) m
        WHERE ${pending} AND r.member_ref IS NULL AND r.${column} = m.value`,
      [upload.tenantId, ...rowsOf(upload)],
    );
  await trx.raw(
    `UPDATE upload_rows r SET member_ref = COALESCE(r.member_ref, r.email, r.phone) WHERE ${pending}`,
    rowsOf(upload),
  );
  await refuse(
    trx,
    upload,
    { column: 'memberRef', code: 'member_inactive', message: 'The member is inactive' },
    'FROM members m',
    `m.id = r.member_id AND m.status = 'inactive'`,
  );
}

// The row's amount, or the campaign's; points on a voucher campaign (or a denomination on a points
// one) cannot be issued.
async function resolveAmounts(trx: Transaction, upload: Part) {
  await refuse(
    trx,
    upload,
    { column: 'points', code: 'reward_mismatch', message: "The amount's kind is not the campaign's reward" },
    'FROM campaigns c',
    `c.id = r.campaign_id AND ((r.points IS NOT NULL AND c.reward->>'type' <> 'points')
       OR (r.denomination IS NOT NULL AND c.reward->>'type' <> 'voucher'))`,
  );
  await trx.raw(
    `UPDATE upload_rows r SET amount = COALESCE(r.points, r.denomination)::bigint FROM campaigns c
      WHERE ${PENDING} AND c.id = r.campaign_id`,
    rowsOf(upload),
  );
  await trx.raw(
    `UPDATE upload_rows r SET amount = COALESCE((c.reward->>'amount')::bigint, (c.reward->>'denomination')::bigint)
       FROM campaigns c WHERE ${PENDING} AND c.id = r.campaign_id AND r.amount IS NULL`,
    rowsOf(upload),
  );
}

async function checkDenominations(trx: Transaction, upload: Part) {
  const { rows } = await trx.raw(
    `SELECT DISTINCT r.campaign_id, r.amount, o.denominations FROM upload_rows r
       JOIN campaigns c ON c.id = r.campaign_id JOIN offers o ON o.id = (c.reward->>'offerId')::uuid
      WHERE ${PENDING} AND r.denomination IS NOT NULL`,
    rowsOf(upload),
  );
  const refused = (rows as Array<{ campaign_id: string; amount: string; denominations: never }>).filter(
    (row) => !denominationAllowed(row.denominations, Number(row.amount)),
  );
  for (const row of refused)
    await refuse(
      trx,
      upload,
      {
        column: 'denomination',
        code: 'denomination_not_allowed',
        message: 'The offer has no such denomination',
      },
      '',
      'r.campaign_id = ? AND r.amount = ?',
      [row.campaign_id, row.amount],
    );
}

// The second and later rows with the same rowKey, or (without one) the same member, campaign, amount and
// note, as an earlier row: one pass over the upload, updating only the duplicates.
async function checkDuplicates(trx: Transaction, upload: Upload) {
  await trx.raw(
    `WITH keyed AS (
       SELECT row, CASE WHEN row_key IS NOT NULL THEN 'k:' || row_key
         ELSE 'r:' || member_ref || '|' || campaign_id || '|' || amount || '|' || COALESCE(note, '') END AS key
         FROM upload_rows WHERE upload_id = ? AND status = 'pending'),
     firsts AS (SELECT key, min(row) AS first FROM keyed GROUP BY key HAVING count(*) > 1)
     UPDATE upload_rows r SET status = 'invalid', errors = r.errors || jsonb_build_array(jsonb_build_object(
         'column', CASE WHEN r.row_key IS NULL THEN 'memberRef' ELSE 'rowKey' END, 'code', 'duplicate_row',
         'message', 'The same as row ' || f.first))
       FROM keyed k JOIN firsts f ON f.key = k.key
      WHERE r.upload_id = ? AND r.row = k.row AND k.row > f.first`,
    [upload.id, upload.id],
  );
}

const ELIGIBILITY_BATCH = 5000;

async function checkEligibility(trx: Transaction, upload: Part) {
  const campaigns = await trx('campaigns')
    .whereIn(
      'id',
      trx('uploadRows')
        .where({ uploadId: upload.id, status: 'pending' })
        .whereBetween('row', [upload.from, upload.to])
        .distinct('campaignId'),
    )
    .whereRaw(`eligibility <> '{}'::jsonb`)
    .select('id', 'eligibility');
  for (const campaign of campaigns) {
    for (let after = upload.from - 1; ; ) {
      const rows = await trx('uploadRows as r')
        .join('members as m', 'm.id', 'r.memberId')
        .where({ 'r.uploadId': upload.id, 'r.status': 'pending', 'r.campaignId': campaign.id })
        .where('r.row', '>', after)
        .where('r.row', '<=', upload.to)
        .orderBy('r.row')
        .limit(ELIGIBILITY_BATCH)
        .select('r.row', 'm.segments', 'm.tier', 'm.country', 'm.attributes');
      if (rows.length === 0) break;
      after = rows.at(-1).row;
      const ineligible = rows.filter((row) => !isEligible(campaign.eligibility, row)).map((row) => row.row);
      if (ineligible.length)
        await refuse(
          trx,
          upload,
          {
            column: 'memberRef',
            code: 'not_eligible',
            message: 'The member is not eligible for the campaign',
          },
          '',
          'r.row = ANY(?)',
          [ineligible],
        );
    }
  }
}

// Per campaign: the valid rows' count and cost, against what remains (as GET /v1/campaigns/{id} stats
// has it) and, for vouchers, the offer's free codes; each shortfall is a warning.
async function summarise(trx: Transaction, upload: Upload) {
  const { rows } = await trx.raw(
    `SELECT r.campaign_id, c.name, c.reward, count(*)::int AS rows, sum(r.amount)::bigint AS cost,
            CASE WHEN c.budget IS NULL THEN NULL ELSE c.budget - c.budget_taken END AS budget_remaining,
            CASE WHEN c.max_rewards IS NULL THEN NULL ELSE c.max_rewards - c.rewards_taken END AS rewards_remaining
       FROM upload_rows r JOIN campaigns c ON c.id = r.campaign_id
      WHERE r.upload_id = ? AND r.status = 'valid' GROUP BY r.campaign_id, c.id ORDER BY c.name`,
    [upload.id],
  );
  const summary = [];
  for (const row of rows) {
    const warnings: string[] = [];
    const cost = Number(row.cost);
    if (row.budget_remaining !== null && cost > Number(row.budget_remaining))
      warnings.push('budget_shortfall');
    if (row.rewards_remaining !== null && row.rows > Number(row.rewards_remaining))
      warnings.push('reward_cap_shortfall');
    const stock =
      row.reward.type === 'voucher'
        ? await stockOf(trx, upload.id, row.campaign_id, row.reward.offerId)
        : null;
    if (stock?.some((s: { needed: number; free: number }) => s.needed > s.free))
      warnings.push('stock_shortfall');
    summary.push({
      campaignId: row.campaign_id,
      campaign: row.name,
      rows: row.rows,
      cost,
      budgetRemaining: row.budget_remaining === null ? null : Number(row.budget_remaining),
      rewardsRemaining: row.rewards_remaining === null ? null : Number(row.rewards_remaining),
      ...(stock && { stock }),
      warnings,
    });
  }
  return summary;
}

async function stockOf(trx: Transaction, uploadId: string, campaignId: string, offerId: string) {
  const { rows } = await trx.raw(
    `SELECT r.amount AS denomination, count(*)::int AS needed,
            (SELECT count(*)::int FROM voucher_codes v WHERE v.offer_id = ? AND v.denomination = r.amount
               AND v.issuance_id IS NULL AND v.order_id IS NULL) AS free
       FROM upload_rows r WHERE r.upload_id = ? AND r.campaign_id = ? AND r.status = 'valid'
      GROUP BY r.amount ORDER BY r.amount`,
    [offerId, uploadId, campaignId],
  );
  return rows.map((row: { denomination: string; needed: number; free: number }) => ({
    ...row,
    denomination: Number(row.denomination),
  }));
}

const PART_STEPS = [resolveCampaigns, resolveMembers, resolveAmounts, checkDenominations, checkEligibility];

function partsOf(upload: Upload): Part[] {
  const parts: Part[] = [];
  for (let from = 1; from <= Math.max(upload.rowsRead, 1); from += PART_ROWS)
    parts.push(
      Object.assign(Object.create(Object.getPrototypeOf(upload)), upload, { from, to: from + PART_ROWS - 1 }),
    );
  return parts;
}

async function markValid(trx: Transaction, part: Part) {
  await trx.raw(`UPDATE upload_rows r SET status = 'valid' WHERE ${PENDING}`, rowsOf(part));
}

// Runs on a worker: every check, then the upload becomes `validated` with its counts and summary.
// Each part of the rows is checked in a transaction of its own, then duplicates across the upload: a
// transaction open for the whole of a large upload would hold back every reader of committed events
// (webhooks, the live feed) until it ended. A part checked again after a crash finds its rows already
// decided: every step takes pending rows only.
export async function validateUpload(db: Database, uploadId: string) {
  const upload = await Upload.query(db).findById(uploadId);
  if (upload?.status !== 'validating') return;
  // Rows just staged are not in the planner's statistics yet: without them it joins a large upload's
  // rows as if there were a handful, and a statement can run for minutes instead of a second.
  await db.raw('ANALYZE upload_rows');
  const parts = partsOf(upload);
  for (const part of parts)
    await db.transaction(async (trx) => {
      for (const step of PART_STEPS) await step(trx, part);
    });
  await db.transaction((trx) => checkDuplicates(trx, upload));
  for (const part of parts) await db.transaction((trx) => markValid(trx, part));
  await db.transaction(async (trx) => {
    const locked = await Upload.query(trx).findById(uploadId).forUpdate();
    // Cancelled while its rows were checked.
    if (locked?.status !== 'validating') return;
    const summary = await summarise(trx, upload);
    const { rows } = await trx.raw(
      `SELECT count(*) FILTER (WHERE status = 'valid')::int AS valid,
              count(*) FILTER (WHERE status = 'invalid')::int AS invalid
         FROM upload_rows WHERE upload_id = ?`,
      [uploadId],
    );
    const validated = await moveUpload(trx, locked, 'validated', {
      valid: rows[0].valid,
      invalid: rows[0].invalid,
      summary,
      validatedAt: new Date(),
    });
    await announce(trx, validated, 'validated');
  });
}
