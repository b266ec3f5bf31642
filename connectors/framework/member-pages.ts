// Owns how a page of a vendor's people becomes members: records without a reference fail alone, the
// rest are upserted in one batch (record by record when the database refuses the batch, so that the
// record at fault is named), and the page's counts, deactivations included.
import type { Transaction } from '../../core/db/database.ts';
import { type MemberUpsert, type UpsertedMember, upsertMembers } from '../../core/members/service.ts';
import type { Writer } from '../../core/tenancy/scope.ts';
import type { Counts } from './connector.ts';
import type { RecordError } from './model.ts';

export type PageResult = { counts: Required<Counts>; errors: RecordError[]; memberIds: string[] };

// A record of the page: the vendor's id (for errors), and the member it maps to or why it cannot.
export type PersonRecord = { id: string | null } & (
  | { upsert: MemberUpsert }
  | { error: { code: string; message: string } }
);

// Where a page came from: the connection, and the file when a file brought it.
export interface Origin {
  connectionId: string;
  fileId?: string;
}

function tally(result: PageResult, upserted: UpsertedMember) {
  result.memberIds.push(upserted.member.id);
  const { counts } = result;
  counts[upserted.created ? 'created' : upserted.changed ? 'updated' : 'unchanged'] += 1;
  // A member created inactive was never active here: only a change of status is a deactivation.
  if (upserted.statusChanged && upserted.member.status === 'inactive') counts.deactivated += 1;
}

async function upsertAll(
  trx: Transaction,
  writer: Writer,
  records: Array<{ id: string | null; upsert: MemberUpsert }>,
  result: PageResult,
) {
  try {
    const answers = await trx.transaction((savepoint) =>
      upsertMembers(
        savepoint,
        writer,
        records.map((record) => record.upsert),
      ),
    );
    for (const upserted of answers) tally(result, upserted);
    return;
  } catch {
    // Retried record by record below, to name the record at fault.
  }
  for (const record of records) {
    try {
      const [upserted] = await trx.transaction((savepoint) =>
        upsertMembers(savepoint, writer, [record.upsert]),
      );
      tally(result, upserted);
    } catch (error) {
      result.counts.failed += 1;
      result.errors.push({
        record: record.id,
        code: 'member_rejected',
        message: (error as Error).message.slice(0, 300),
      });
    }
  }
}

// Remembers which members the connection brought in, in one statement: for its milestones, and (with the
// file) for deactivating those a complete export no longer lists.
async function remember(trx: Transaction, origin: Origin, memberIds: string[]) {
  if (memberIds.length === 0) return;
  const fileId = origin.fileId ?? null;
  await trx.raw(
    `INSERT INTO connection_members (connection_id, member_id, last_file_id)
     SELECT ?, member_id, ?::uuid FROM unnest(?::uuid[]) AS member_id
     ON CONFLICT (connection_id, member_id) DO ${fileId ? 'UPDATE SET last_file_id = EXCLUDED.last_file_id' : 'NOTHING'}`,
    [origin.connectionId, fileId, memberIds],
  );
}

export async function upsertPeople(
  trx: Transaction,
  writer: Writer,
  records: PersonRecord[],
  origin: Origin,
): Promise<Omit<PageResult, 'memberIds'>> {
  const result: PageResult = {
    counts: {
      fetched: records.length,
      created: 0,
      updated: 0,
      unchanged: 0,
      deactivated: 0,
      skipped: 0,
      failed: 0,
    },
    errors: [],
    memberIds: [],
  };
  const valid: Array<{ id: string | null; upsert: MemberUpsert }> = [];
  for (const record of records) {
    if ('upsert' in record) valid.push(record);
    else {
      result.counts.failed += 1;
      result.errors.push({ record: record.id, ...record.error });
    }
  }
  if (valid.length) await upsertAll(trx, writer, valid, result);
  await remember(trx, origin, [...new Set(result.memberIds)]);
  return { counts: result.counts, errors: result.errors };
}
