// Owns the one error shape `{ error: { code, message, details } }` and the mapping of every failure to it.
import Boom from '@hapi/boom';
import type { Lifecycle, Request, ResponseToolkit, Server } from '@hapi/hapi';
import type { ValidationError } from 'joi';
import { DataError } from 'objection';

export interface ErrorDetail {
  path?: string;
  message: string;
  [key: string]: unknown;
}

interface ErrorData {
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

// Codes for failures hapi raises itself, before any Tessera code runs.
const codeByStatus: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'rate_limited',
};

export const validationFailAction: Lifecycle.Method = (_request, _h, err) => {
  const joiError = err as unknown as ValidationError;
  const source = (err as Boom.Boom & { output: { payload: { validation?: { source?: string } } } }).output
    ?.payload?.validation?.source;
  const seen = new Set<string>();
  const details: ErrorDetail[] = [];
  for (const detail of joiError.details ?? []) {
    const path = detail.path.join('.');
    if (seen.has(path)) continue;
    seen.add(path);
    details.push({ in: source, path, message: detail.message.replace(/"/g, "'") });
  }
  throw domainError(
    400,
    'validation_failed',
    'The request is not valid; see details for each field',
    details,
  );
};

function describe(error: Boom.Boom): { code: string; message: string; details: unknown[] } {
  const status = error.output.statusCode;
  const data = error.data as ErrorData | null;
  if (data?.code) return { code: data.code, message: error.message, details: data.details ?? [] };
  if (status >= 500)
    return { code: 'internal_error', message: 'Something went wrong on our side', details: [] };
  if (status === 400 && /JSON/i.test(error.message)) {
    return { code: 'malformed_json', message: 'The request body is not valid JSON', details: [] };
  }
  const message = status === 404 ? 'No such resource' : error.output.payload.message;
  return { code: codeByStatus[status] ?? 'bad_request', message, details: [] };
}

// SQLSTATE class 22 (data exception): input that passed validation but that Postgres still refuses,
// such as a NUL character or a number out of range. The database's own text is never shown.
function isDataException(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return error instanceof DataError || (typeof code === 'string' && code.startsWith('22'));
}

function toBoom(error: Error): Boom.Boom {
  if (isDataException(error)) {
    return domainError(
      400,
      'invalid_input',
      'A value in the request cannot be stored (out of range or a NUL character)',
    );
  }
  return Boom.isBoom(error) ? error : Boom.boomify(error);
}

export function registerErrorMapping(server: Server): void {
  server.ext('onPreResponse', (request: Request, h: ResponseToolkit) => {
    const { response } = request;
    if (!(response instanceof Error)) return h.continue;
    const error = toBoom(response);
    const status = error.output.statusCode;
    if (status >= 500) request.log(['error'], { err: response });
    const reply = h.response({ error: describe(error) }).code(status);
    for (const [name, value] of Object.entries(error.output.headers)) {
      if (value !== undefined) reply.header(name, String(value));
    }
    return reply;
  });
}
