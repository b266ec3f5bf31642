// Owns the shapes shared by every module: an id in the path, a country, a nullable answer field, no body,
// and free-form JSON objects (metadata, attributes, event data) bounded in depth and size before they
// reach the database.
import countries from 'i18n-iso-countries';
import Joi from 'joi';

// A field every answer has, possibly null (the API document says so).
export const nullable = (schema: Joi.Schema) => schema.allow(null).required();

export const idParams = Joi.object({ id: Joi.string().guid().required() });

// An id taken from a path that is checked by hand (routes without validation, which answer a bad id
// like an unknown one so that ids cannot be probed).
export const isUuid = (text: string) => Joi.string().guid().validate(text).error === undefined;

export const countryCode = Joi.string()
  .uppercase()
  .valid(...Object.keys(countries.getAlpha2Codes()))
  .messages({ 'any.only': '{{#label}} must be an ISO 3166-1 alpha-2 country code such as IN or GB' })
  .description('ISO 3166-1 alpha-2');

// For actions that take no input: an empty object or no body; anything else is refused before the
// request is fingerprinted or handled.
export const noBody = Joi.object({}).allow(null).label('NoBody');

export interface FreeFormLimits {
  maxDepth?: number;
  maxBytes?: number;
}

// Nesting depth, counted without recursion so that a hostile document cannot exhaust the stack.
function depthOf(value: unknown, limit: number): number {
  let deepest = 0;
  const pending: Array<[unknown, number]> = [[value, 1]];
  while (pending.length) {
    const [item, depth] = pending.pop() as [unknown, number];
    if (item === null || typeof item !== 'object') continue;
    deepest = Math.max(deepest, depth);
    if (deepest > limit) return deepest;
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return deepest;
}

// A free-form JSON object: PostgreSQL refuses deeply nested jsonb, and a caller's metadata has no need
// of more than a few levels or of megabytes.
export function freeForm({ maxDepth = 10, maxBytes = 65_536 }: FreeFormLimits = {}) {
  return Joi.object()
    .unknown(true)
    .custom((value: object, helpers) => {
      if (depthOf(value, maxDepth) > maxDepth)
        return helpers.message({ custom: `{{#label}} may nest at most ${maxDepth} levels deep` });
      if (Buffer.byteLength(JSON.stringify(value)) > maxBytes)
        return helpers.message({ custom: `{{#label}} may be at most ${maxBytes} bytes of JSON` });
      return value;
    });
}

// The answers of a bulk action, one per id, each done or refused on its own: `${label}Result` items.
export const bulkResults = (label: string, fields: Record<string, Joi.Schema> = {}) =>
  Joi.array()
    .items(
      Joi.object({
        id: Joi.string().guid().required(),
        ok: Joi.boolean().required(),
        status: Joi.string(),
        ...fields,
        error: Joi.object({ code: Joi.string(), message: Joi.string() }).label(`${label}Error`),
      }).label(`${label}Result`),
    )
    .required();
