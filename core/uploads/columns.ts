// Owns an upload's row as it arrives (a CSV line or a JSON object): its columns, matched
// case-insensitively, and the checks one row can get on its own (types, email and phone by the member
// rules, a way to find the member). What needs the database is checked later, for all rows at once.
import Joi from 'joi';
import { memberFields, memberRef } from '../members/schema.ts';

export const COLUMNS = [
  'memberRef',
  'name',
  'email',
  'phone',
  'channel',
  'campaignId',
  'points',
  'denomination',
  'note',
  'rowKey',
] as const;
export type Column = (typeof COLUMNS)[number];
export type RowValues = Record<Column, string | null>;

export interface RowError {
  column: Column | null;
  code: string;
  message: string;
  // What the row held there, when that is the fault.
  value?: string;
}

const byLowerName = new Map(COLUMNS.map((column) => [column.toLowerCase(), column]));

// A CSV row's fields (keyed by lower-cased header) or a JSON row as the columns; empty is null.
export function valuesOf(fields: Record<string, unknown>): RowValues {
  const values = Object.fromEntries(COLUMNS.map((column) => [column, null])) as RowValues;
  for (const [name, value] of Object.entries(fields)) {
    const column = byLowerName.get(name.toLowerCase());
    if (column && value !== null && value !== undefined && String(value).trim() !== '')
      values[column] = String(value).trim();
  }
  return values;
}

const email = memberFields.extract('email');
const phone = memberFields.extract('phone');
const positive = /^[1-9]\d{0,14}$/;
const uuid = Joi.string().guid();

const checks: Array<[Column, (value: string) => boolean, string, string]> = [
  [
    'memberRef',
    (v) => !memberRef.validate(v).error,
    'invalid_member_ref',
    'must be letters, digits and . _ : @ + -',
  ],
  ['email', (v) => !email.validate(v).error, 'invalid_email', 'must be an email address'],
  ['phone', (v) => !phone.validate(v).error, 'invalid_phone', 'must be an E.164 number such as +14155550123'],
  [
    'channel',
    (v) => ['sms', 'email', 'whatsapp'].includes(v),
    'invalid_channel',
    'must be sms, email or whatsapp',
  ],
  ['campaignId', (v) => !uuid.validate(v).error, 'campaign_unknown', 'must be a campaign id'],
  ['points', (v) => positive.test(v), 'invalid_points', 'must be a whole number above 0'],
  ['denomination', (v) => positive.test(v), 'invalid_denomination', 'must be a whole number above 0'],
  ['name', (v) => v.length <= 200, 'too_long', 'must be at most 200 characters'],
  ['note', (v) => v.length <= 500, 'too_long', 'must be at most 500 characters'],
  ['rowKey', (v) => v.length <= 200, 'too_long', 'must be at most 200 characters'],
];

export function checkRow(values: RowValues): RowError[] {
  const errors: RowError[] = [];
  for (const [column, holds, code, message] of checks) {
    const value = values[column];
    if (value !== null && !holds(value))
      errors.push({ column, code, message: `${column} ${message}`, value });
  }
  if (!values.memberRef && !values.email && !values.phone)
    errors.push({
      column: 'memberRef',
      code: 'member_missing',
      message: 'A row needs a memberRef, an email or a phone',
    });
  if (values.points && values.denomination)
    errors.push({
      column: 'points',
      code: 'amount_ambiguous',
      message: 'Give points or a denomination, not both',
    });
  return errors;
}
