// Owns the one list shape `{ data, nextCursor }`, its schema for the API document, and its opaque cursors.
import Joi from 'joi';
import { domainError } from './errors.ts';

// The schema of a page of `item`s, named `label` in the API document.
export function pageOf(item: Joi.Schema, label: string): Joi.ObjectSchema {
  return Joi.object({
    data: Joi.array().items(item).required(),
    nextCursor: Joi.string()
      .allow(null)
      .required()
      .description('pass as `cursor` for the next page; null on the last page'),
  }).label(label);
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

export function decodeCursor<T>(
  cursor: string | undefined,
  valid: (value: unknown) => value is T,
): T | undefined {
  if (cursor === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (!valid(value)) throw domainError(400, 'invalid_cursor', 'The cursor is not one this list returned');
  return value;
}

export const isString = (value: unknown): value is string => typeof value === 'string';
export const isPositiveInteger = (value: unknown): value is number =>
  Number.isSafeInteger(value) && (value as number) > 0;

// Callers fetch limit + 1 rows; the extra row only says whether another page exists.
export function toPage<R, T>(
  rows: R[],
  limit: number,
  present: (row: R) => T,
  position: (row: R) => unknown,
): Page<T> {
  const more = rows.length > limit;
  const shown = more ? rows.slice(0, limit) : rows;
  return {
    data: shown.map(present),
    nextCursor: more ? encodeCursor(position(shown[shown.length - 1])) : null,
  };
}
