// Owns voucher codes: loading them per offer and denomination (duplicates refused, all or nothing),
// assigning one atomically to one issuance, and showing them masked to everyone but admins.
import { parse } from 'csv-parse/sync';
import { recordAudit } from '../audit/log.ts';
import type { Transaction } from '../db/database.ts';
import { domainError } from '../errors.ts';
import type { Actor, Scope } from '../tenancy/scope.ts';
import { type Offer, VoucherCode } from './model.ts';
import { denominationAllowed } from './offers.ts';
import { MAX_CODES } from './schema.ts';

export interface NewCode {
  code: string;
  denomination: number;
}

// Only admins ever see a full code.
export function codeFor(scope: Scope, code: string): string {
  return scope.role === 'admin' ? code : `••••${code.slice(-4)}`;
}

// A CSV upload: a header row naming `code` and `denomination` (or a `denomination` query parameter).
export function codesFromCsv(text: string, denomination: number | undefined): NewCode[] {
  let records: Array<Record<string, string>>;
  try {
    records = parse(text, {
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
    });
  } catch (error) {
    throw domainError(400, 'invalid_csv', `The CSV could not be read: ${(error as Error).message}`);
  }
  if (records.length > MAX_CODES)
    throw domainError(413, 'too_many_codes', `At most ${MAX_CODES} codes per upload`);
  const invalid: Array<{ row: number; message: string }> = [];
  const codes = records.map((record, index) => {
    const value = Number(record.denomination ?? denomination);
    if (!record.code || record.code.length < 4)
      invalid.push({ row: index + 2, message: 'code must have at least 4 characters' });
    if (!Number.isSafeInteger(value) || value < 1)
      invalid.push({ row: index + 2, message: 'denomination must be a positive whole number' });
    return { code: record.code ?? '', denomination: value };
  });
  if (invalid.length > 0) throw domainError(400, 'invalid_codes', 'Some rows are not valid codes', invalid);
  if (codes.length === 0) throw domainError(400, 'invalid_codes', 'The CSV has no codes');
  return codes;
}

function duplicatesWithin(codes: NewCode[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const { code } of codes) (seen.has(code) ? repeated : seen).add(code);
  return [...repeated];
}

const masked = (codes: string[]) => codes.slice(0, 50).map((code) => ({ code: `••••${code.slice(-4)}` }));

export async function loadCodes(trx: Transaction, actor: Actor, offer: Offer, codes: NewCode[]) {
  const wrong = [...new Set(codes.map((c) => c.denomination))].filter(
    (d) => !denominationAllowed(offer.denominations, d),
  );
  if (wrong.length > 0)
    throw domainError(422, 'invalid_denomination', `The offer has no denomination ${wrong.join(', ')}`);
  const repeated = duplicatesWithin(codes);
  if (repeated.length > 0)
    throw domainError(
      409,
      'duplicate_codes',
      `${repeated.length} codes appear twice in the upload`,
      masked(repeated),
    );
  // The query builder, not the model: after ON CONFLICT DO NOTHING the model answers every row it was
  // given, and what counts here is the rows the database actually inserted.
  const inserted: Array<Pick<VoucherCode, 'code'>> = await trx(VoucherCode.tableName)
    .insert(codes.map((c) => ({ ...c, tenantId: offer.tenantId, offerId: offer.id })))
    .onConflict(['offerId', 'code'])
    .ignore()
    .returning('code');
  if (inserted.length < codes.length) {
    const fresh = new Set(inserted.map((r) => r.code));
    const existing = codes.map((c) => c.code).filter((code) => !fresh.has(code));
    // The caller's transaction rolls back: an upload loads all of its codes or none.
    throw domainError(
      409,
      'duplicate_codes',
      `${existing.length} codes are loaded already`,
      masked(existing),
    );
  }
  await recordAudit(trx, actor, {
    action: 'voucher_codes.loaded',
    entityType: 'offer',
    entityId: offer.id,
    summary: `${codes.length} voucher codes loaded`,
  });
  return { loaded: codes.length };
}

// The oldest free code of the offer and denomination, now this issuance's or this marketplace order's;
// none when out of stock. SKIP LOCKED: concurrent takers each get a different code without waiting.
export async function assignCode(
  trx: Transaction,
  offerId: string,
  denomination: number,
  owner: string | { orderId: string },
): Promise<Pick<VoucherCode, 'id' | 'code'> | undefined> {
  const oldestFree = VoucherCode.query(trx)
    .select('id')
    .where({ offerId, denomination })
    .whereNull('issuanceId')
    .whereNull('orderId')
    .orderBy('createdAt')
    .limit(1)
    .forUpdate()
    .skipLocked();
  const taker = typeof owner === 'string' ? { issuanceId: owner } : { orderId: owner.orderId };
  return VoucherCode.query(trx)
    .patch({ ...taker, assignedAt: trx.fn.now() as unknown as Date })
    .where('id', oldestFree)
    .returning(['id', 'code'])
    .first();
}
