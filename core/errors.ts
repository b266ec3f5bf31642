// Owns the domain's errors: a refusal with an HTTP status and a stable code, and the one way Joi's
// validation details become a refusal. Turning them into responses is core/http/errors.ts's job.
import Boom from '@hapi/boom';
import type { ValidationError } from 'joi';

export interface ErrorDetail {
  path?: string;
  message: string;
  [key: string]: unknown;
}

export interface ErrorData {
  code: string;
  details: unknown[];
}

export function domainError(
  statusCode: number,
  code: string,
  message: string,
  details: unknown[] = [],
): Boom.Boom {
  return new Boom.Boom(message, { statusCode, data: { code, details } satisfies ErrorData });
}

export const notFound = (what: string) => domainError(404, 'not_found', `${what} not found`);

// Whether an error is the domain refusal with this code: callers catch only what they expect.
export function isRefusal(error: unknown, code: string): boolean {
  return Boom.isBoom(error) && (error.data as ErrorData | null)?.code === code;
}

const ECHOED_CHARACTERS = 100;

// Joi echoes a bad value in its message; a 900 KB field must not make a 900 KB error.
function shortened(detail: ValidationError['details'][number]): string {
  const value = detail.context?.value;
  let message = detail.message;
  if (typeof value === 'string' && value.length > ECHOED_CHARACTERS)
    message = message.split(value).join(`${value.slice(0, ECHOED_CHARACTERS)}…`);
  const most = 2 * ECHOED_CHARACTERS + 200;
  return message.length > most ? `${message.slice(0, most)}…` : message;
}

// 400 validation_failed with one detail per field, from Joi's details about one part of a request.
export function validationFailed(details: ValidationError['details'], source = 'payload'): Boom.Boom {
  const seen = new Set<string>();
  const shown: ErrorDetail[] = [];
  for (const detail of details) {
    const path = detail.path.join('.');
    if (seen.has(path)) continue;
    seen.add(path);
    shown.push({ in: source, path, message: shortened(detail).replace(/"/g, "'") });
  }
  return domainError(400, 'validation_failed', 'The request is not valid; see details for each field', shown);
}
