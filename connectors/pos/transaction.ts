// Owns `pos.transaction.v1`, the one shape every POS path arrives in (real time, NAXML journals, CSV
// exports), and what a transaction counts as: a `pos.transaction` source event (money in minor units,
// fuel in litres, refunds negative) and, for a sale, a `pos.visit` once per member, store and business
// day. Voids and transactions with no loyalty id or no counted line make no event.
import Joi from 'joi';
import type { SourceEventInput } from '../../core/intake/service.ts';
import { isDecimal, minorDigits, roundLitres, toLitres, toMinorUnits } from './amounts.ts';

export type FuelUnit = 'L' | 'USG';

interface LineBase {
  quantity: string;
  amount: string;
  // `cancel`: the register discarded the line (a mis-scan); it never counts.
  status?: 'normal' | 'cancel';
}
export type PosLine =
  | (LineBase & { kind: 'fuel'; gradeId: string; pumpId?: string; uom: FuelUnit; unitPrice?: string })
  | (LineBase & { kind: 'merchandise'; sku: string });

export interface PosTransaction {
  storeId: string;
  terminalId: string;
  transactionId: string;
  businessDate: string;
  occurredAt: string;
  type: 'sale' | 'refund' | 'void';
  loyalty?: { memberId?: string | null } | null;
  currency: string;
  lines: PosLine[];
  tenders?: Array<{ code: string; amount: string }>;
  totals?: { gross?: string; tax?: string };
}

const id = Joi.string().trim().min(1).max(100);
const decimal = Joi.string()
  .trim()
  .custom((value: string, helpers) =>
    isDecimal(value) ? value : helpers.message({ custom: 'must be a decimal string such as "12.50"' }),
  );
const status = Joi.string().valid('normal', 'cancel');

const currency = Joi.string()
  .uppercase()
  .custom((value: string, helpers) => {
    try {
      minorDigits(value);
      return value;
    } catch {
      return helpers.message({ custom: 'must be an ISO 4217 currency code such as USD' });
    }
  });

export const transactionSchema = Joi.object({
  storeId: id.required(),
  terminalId: id.required(),
  transactionId: id.required(),
  businessDate: Joi.string()
    .pattern(/^\d{4}-\d{2}-\d{2}$/)
    .required(),
  occurredAt: Joi.date().iso().raw().required(),
  type: Joi.string().valid('sale', 'refund', 'void').required(),
  loyalty: Joi.object({ memberId: Joi.string().trim().max(200).allow(null, '') }).allow(null),
  currency: currency.required(),
  lines: Joi.array()
    .items(
      Joi.object({
        kind: Joi.string().valid('fuel').required(),
        gradeId: id.required(),
        pumpId: id,
        quantity: decimal.required(),
        uom: Joi.string().valid('L', 'USG').required(),
        unitPrice: decimal,
        amount: decimal.required(),
        status,
      }),
      Joi.object({
        kind: Joi.string().valid('merchandise').required(),
        sku: id.required(),
        quantity: decimal.required(),
        amount: decimal.required(),
        status,
      }),
    )
    .max(1000)
    .required(),
  tenders: Joi.array()
    .items(Joi.object({ code: id.required(), amount: decimal.required() }))
    .max(100),
  totals: Joi.object({ gross: decimal, tax: decimal }),
}).label('PosTransaction');

export type Skipped = 'void' | 'no_loyalty_id' | 'no_counted_lines';

export type Counted = { key: string; events: SourceEventInput[] } | { key: string; skipped: Skipped };

export const transactionKey = (tx: PosTransaction) => `${tx.storeId}:${tx.businessDate}:${tx.transactionId}`;

const magnitude = (value: number) => Math.abs(value);

function totalsOf(tx: PosTransaction, lines: PosLine[]) {
  const digits = minorDigits(tx.currency);
  const amount = lines.reduce((sum, line) => sum + magnitude(toMinorUnits(line.amount, digits)), 0);
  const litres = lines.reduce(
    (sum, line) => (line.kind === 'fuel' ? sum + magnitude(toLitres(line.quantity, line.uom)) : sum),
    0,
  );
  // A refund takes back: negative whatever sign its lines were written with (NAXML writes them negative).
  const sign = tx.type === 'refund' ? -1 : 1;
  return { amount: sign * amount, fuelLitres: sign * roundLitres(litres) || 0 };
}

const lineData = (line: PosLine) =>
  line.kind === 'fuel'
    ? { kind: line.kind, gradeId: line.gradeId, quantity: line.quantity, uom: line.uom, amount: line.amount }
    : { kind: line.kind, sku: line.sku, quantity: line.quantity, amount: line.amount };

export function countTransaction(tx: PosTransaction, source: string): Counted {
  const key = transactionKey(tx);
  if (tx.type === 'void') return { key, skipped: 'void' };
  const memberRef = tx.loyalty?.memberId?.trim();
  if (!memberRef) return { key, skipped: 'no_loyalty_id' };
  const lines = tx.lines.filter((line) => line.status !== 'cancel');
  if (lines.length === 0) return { key, skipped: 'no_counted_lines' };
  const occurredAt = new Date(tx.occurredAt);
  const { storeId, terminalId, type, currency } = tx;
  const events: SourceEventInput[] = [
    {
      type: 'pos.transaction',
      source,
      sourceEventId: key,
      memberRef,
      occurredAt,
      data: { ...totalsOf(tx, lines), currency, storeId, terminalId, type, lines: lines.map(lineData) },
    },
  ];
  if (type === 'sale')
    events.push({
      type: 'pos.visit',
      source,
      sourceEventId: `visit:${storeId}:${tx.businessDate}:${memberRef}`,
      memberRef,
      occurredAt,
      data: { storeId, businessDate: tx.businessDate },
    });
  return { key, events };
}
