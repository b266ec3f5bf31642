// Owns the one error shape `{ error: { code, message, details } }` and the mapping of every failure to it.
import Boom from '@hapi/boom';
import type { Lifecycle, Request, ResponseToolkit, Server } from '@hapi/hapi';
import Joi, { type ValidationError } from 'joi';
import { DataError } from 'objection';
import { domainError, type ErrorData, validationFailed } from '../errors.ts';

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

// The one error shape, for the API document.
export const errorSchema = Joi.object({
  error: Joi.object({
    code: Joi.string().required().description('stable, for programs: validation_failed, not_found, …'),
    message: Joi.string().required().description('for people'),
    details: Joi.array()
      .items(Joi.object().unknown(true))
      .required()
      .description('per field for validation_failed; what the refusal is about otherwise'),
  })
    .required()
    .label('ErrorDetail'),
}).label('Error');

export const validationFailAction: Lifecycle.Method = (_request, _h, err) => {
  const joiError = err as unknown as ValidationError;
  const source = (err as Boom.Boom & { output: { payload: { validation?: { source?: string } } } }).output
    ?.payload?.validation?.source;
  throw validationFailed(joiError.details ?? [], source);
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

// How long a client should wait before retrying while the database is unavailable.
const RETRY_AFTER_SECONDS = 5;

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);
// knex puts the statement before the driver's message: "SELECT ... - Connection terminated unexpectedly".
const UNREACHABLE_MESSAGES =
  /(?:^| - )(Connection terminated|Query read timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Knex: Timeout acquiring a connection|timeout expired$)/;

// The database could not be reached or did not answer in time (stopped, frozen, restarting, full):
// SQLSTATE class 08, 57P01-57P03, 53300, a socket error, or a client-side timeout.
export function isDatabaseUnavailable(error: unknown): boolean {
  const cause = (error as { nativeError?: unknown }).nativeError ?? error;
  const { code, message, name } = cause as { code?: unknown; message?: unknown; name?: unknown };
  if (typeof code === 'string' && (UNREACHABLE_CODES.has(code) || /^(08|57P0[123]|53300)/.test(code)))
    return true;
  if (name === 'KnexTimeoutError') return true;
  return typeof message === 'string' && UNREACHABLE_MESSAGES.test(message);
}

export function databaseUnavailable(): Boom.Boom {
  const error = domainError(503, 'database_unavailable', 'The database is unavailable; try again shortly');
  error.output.headers['Retry-After'] = String(RETRY_AFTER_SECONDS);
  return error;
}

// Database constraints that stand for a domain rule, each with the refusal a caller gets. Modules
// register their own, so that the rule holds even if the code above it is wrong.
const constraintRefusals = new Map<string, () => Boom.Boom>();

export function refuseConstraint(constraint: string, refusal: () => Boom.Boom): void {
  constraintRefusals.set(constraint, refusal);
}

function constraintRefusal(error: Error): Boom.Boom | undefined {
  const cause = ((error as { nativeError?: unknown }).nativeError ?? error) as {
    code?: unknown;
    constraint?: unknown;
  };
  if (cause.code !== '23514' || typeof cause.constraint !== 'string') return undefined;
  return constraintRefusals.get(cause.constraint)?.();
}

function toBoom(error: Error): Boom.Boom {
  if (isDatabaseUnavailable(error)) return databaseUnavailable();
  const refusal = constraintRefusal(error);
  if (refusal) return refusal;
  if (isDataException(error)) {
    return domainError(
      400,
      'invalid_input',
      'A value in the request cannot be stored (out of range or a NUL character)',
    );
  }
  return Boom.isBoom(error) ? error : Boom.boomify(error);
}

// The status and body a refusal answers, for a handler that commits before it refuses.
export function errorReply(error: Boom.Boom): {
  status: number;
  body: { error: ReturnType<typeof describe> };
} {
  return { status: error.output.statusCode, body: { error: describe(error) } };
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
