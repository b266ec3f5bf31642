// Owns what a POS connection is configured with: what its end-of-day journals leave unsaid (currency,
// fuel unit, local time zone, the element holding the loyalty id) and the column map of CSV exports.
import Joi from 'joi';
import { validTimeZone } from '../framework/schedule.ts';

// The CSV columns a transaction's lines are read from, one row per line (case-insensitive names).
export const CSV_FIELDS = [
  'storeId',
  'terminalId',
  'transactionId',
  'businessDate',
  'occurredAt',
  'type',
  'memberId',
  'currency',
  'kind',
  'gradeId',
  'pumpId',
  'sku',
  'quantity',
  'uom',
  'unitPrice',
  'amount',
  'status',
] as const;
export type CsvField = (typeof CSV_FIELDS)[number];

export interface PosConfig {
  currency: string;
  fuelUnit: 'L' | 'USG';
  timeZone: string;
  loyaltyElements: string[];
  csvColumns: Record<CsvField, string>;
}

const column = Joi.string().trim().min(1).max(200).lowercase();

export const configSchema = Joi.object({
  currency: Joi.string()
    .pattern(/^[A-Za-z]{3}$/)
    .uppercase()
    .default('USD')
    .description("the journals' currency (NAXML names none)"),
  fuelUnit: Joi.string()
    .valid('L', 'USG')
    .default('L')
    .description("the unit of a journal's fuel SalesQuantity (NAXML names none)"),
  timeZone: Joi.string()
    .custom((value: string, helpers) =>
      validTimeZone(value)
        ? value
        : helpers.message({ custom: 'must be an IANA time zone such as Asia/Dubai' }),
    )
    .default('UTC')
    .description("the stores' time zone, for the local dates and times journals carry"),
  loyaltyElements: Joi.array()
    .items(Joi.string().pattern(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/))
    .min(1)
    .default(['LoyaltyID', 'LoyaltyCardNumber'])
    .description('NAXML elements (local names) whose text is the loyalty member id'),
  csvColumns: Joi.object(
    Object.fromEntries(CSV_FIELDS.map((field) => [field, column.default(field.toLowerCase())])),
  )
    .default()
    .description('transaction field → CSV column; one row per line, a transaction’s rows together'),
});

export const credentialsSchema = Joi.object({});
