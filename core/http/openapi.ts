// Owns the API description: the route Joi schemas become /openapi.json (OpenAPI 3.0) and the /docs page.
// Each route names its operation and its 2xx answers (`answers`); the error answers, the Idempotency-Key
// header and the tags are added here, the same way for every route.
import type { Request, ResponseToolkit, RouteOptions, Server } from '@hapi/hapi';
import Inert from '@hapi/inert';
import Vision from '@hapi/vision';
import HapiSwagger from 'hapi-swagger';
import type Joi from 'joi';
import { errorSchema } from './errors.ts';

const JSON_PATH = '/openapi.json';

const TAGS = [
  { name: 'api-keys', description: 'API keys and roles' },
  { name: 'members', description: 'Reward recipients' },
  { name: 'ledger', description: 'Points: credits, reservations, debits, reversals, balances' },
  { name: 'events', description: 'The outbox of domain events, and source events from other systems' },
  { name: 'campaigns', description: 'Campaigns: rules, governance, lifecycle, dry runs, sending a reward' },
  { name: 'issuances', description: 'Rewards issued to members, and their approval' },
  { name: 'catalog', description: 'Partners, offers and voucher codes' },
  { name: 'live', description: 'Tokens for the live feed (the websocket at /v1/live)' },
  { name: 'webhooks', description: 'Outbound webhook endpoints, their messages and deliveries' },
  { name: 'inbound', description: 'Signed inbound webhooks from source systems' },
  { name: 'audit', description: 'The audit trail' },
  { name: 'connectors', description: 'Connections to vendor systems, their runs, and their push URL' },
];

type Answer = Joi.Schema | string;

// A route's operation id and its success answers: a schema, or a description for an empty answer.
export function answers(id: string, success: Record<number, Answer>): Pick<RouteOptions, 'plugins'> {
  const responses = Object.fromEntries(
    Object.entries(success).map(([status, answer]) => [
      status,
      typeof answer === 'string'
        ? { description: answer }
        : {
            description: (answer.describe().flags as { description?: string })?.description ?? 'Success',
            schema: answer,
          },
    ]),
  );
  return { plugins: { 'hapi-swagger': { id, responses } } };
}

const MUTATIONS = new Set(['post', 'put', 'patch', 'delete']);

// The error answers a route can give, from what it is: validated input, authentication, an id in the
// path, a mutation.
function errorAnswers(route: ReturnType<Server['table']>[number]): Record<number, string> {
  const { settings } = route;
  const validated = settings.validate && Object.values(settings.validate).some(Boolean);
  // hapi keeps `auth: false` as false; other routes use the API-key strategy.
  const authenticated = (settings.auth as unknown) !== false;
  const mutation = MUTATIONS.has(route.method);
  const answers: Record<number, string | false | undefined> = {
    ...(validated && { 400: 'The request is not valid (validation_failed, malformed_json, …)' }),
    ...(authenticated && { 401: 'No valid API key', 403: 'The key may not do this' }),
    ...(route.path.includes('{') && { 404: 'No such resource (not_found)' }),
    ...(mutation && { 409: 'Refused by a rule of the domain, or an Idempotency-Key in use' }),
    ...(mutation && { 413: 'The body is too large' }),
    ...(mutation && {
      422: 'The Idempotency-Key was used with a different request (idempotency_key_reused)',
    }),
    503: 'The database is unavailable (database_unavailable); retry after Retry-After',
  };
  return Object.fromEntries(Object.entries(answers).filter(([, text]) => text)) as Record<number, string>;
}

// Every documented route gets the one error shape for each error it can answer.
export function documentErrors(server: Server): void {
  for (const route of server.table()) {
    if (!route.settings.tags?.includes('api')) continue;
    const plugins = route.settings.plugins as Record<string, { responses?: Record<string, unknown> }>;
    const documented = plugins['hapi-swagger'] ?? {};
    const responses = documented.responses ?? {};
    plugins['hapi-swagger'] = { ...documented, responses };
    for (const [status, description] of Object.entries(errorAnswers(route)))
      responses[status] ??= { description, schema: errorSchema };
  }
}

// biome-ignore lint/suspicious/noExplicitAny: the generated document is plain JSON, walked by path
type Json = any;

const IDEMPOTENCY_KEY = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Any string up to 255 characters: the same key with the same request gets the stored answer ' +
    '(Idempotent-Replayed: true), for 24 hours; with a different request 422.',
  schema: { type: 'string', maxLength: 255 },
};

// hapi-swagger puts the branches of Joi alternatives under `x-alt-definitions`, which OpenAPI tools do
// not read: they move to components/schemas, and every reference follows them.
function moveAltDefinitions(document: Json): void {
  const alternatives = document['x-alt-definitions'];
  delete document['x-alt-definitions'];
  if (!alternatives) return;
  document.components.schemas ??= {};
  for (const [name, schema] of Object.entries(alternatives)) document.components.schemas[name] ??= schema;
  const follow = (node: Json) => {
    if (!node || typeof node !== 'object') return;
    if (typeof node.$ref === 'string')
      node.$ref = node.$ref.replace('#/x-alt-definitions/', '#/components/schemas/');
    for (const child of Object.values(node)) follow(child);
  };
  follow(document);
}

// Named schemas are the labelled ones (Member, Transfer, Error). hapi-swagger also names every unlabelled
// nested object (Model7, status2, data13) and numbers a label's variants (MemberFields1): those are put
// back inline where they are used.
const UNNAMED = /^(Model\d+|[a-z].*|.*\D\d+)$/;

function inlineUnnamed(document: Json): void {
  const schemas = document.components.schemas ?? {};
  const inline = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(inline);
    if (!node || typeof node !== 'object') return node;
    const ref = typeof node.$ref === 'string' ? node.$ref.replace('#/components/schemas/', '') : null;
    if (ref && UNNAMED.test(ref) && schemas[ref]) return inline(schemas[ref]);
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, inline(value)]));
  };
  const named = Object.fromEntries(Object.entries(schemas).filter(([name]) => !UNNAMED.test(name)));
  document.paths = inline(document.paths);
  document.components.schemas = inline(named);
}

function completeDocument(document: Json): Json {
  moveAltDefinitions(document);
  inlineUnnamed(document);
  document.components.parameters = { IdempotencyKey: IDEMPOTENCY_KEY };
  for (const operations of Object.values(document.paths ?? {}) as Json[]) {
    for (const [method, operation] of Object.entries(operations) as Array<[string, Json]>) {
      if (!MUTATIONS.has(method)) continue;
      operation.parameters = [
        ...(operation.parameters ?? []),
        { $ref: '#/components/parameters/IdempotencyKey' },
      ];
    }
  }
  return document;
}

export async function registerOpenApi(server: Server, version: string): Promise<void> {
  await server.register([
    Inert,
    Vision,
    {
      plugin: HapiSwagger,
      options: {
        // 3.0, not 3.1: Salesforce External Services import only OpenAPI 2.0 and 3.0.
        OAS: 'v3.0',
        info: {
          title: 'Tessera API',
          version,
          description:
            'Points ledger, campaigns, catalog, webhooks and live feed of the Tessera rewards platform.',
        },
        jsonPath: JSON_PATH,
        documentationPath: '/docs',
        securityDefinitions: {
          bearer: { type: 'http', scheme: 'bearer', description: 'A Tessera API key (tsk_...)' },
        },
        security: [{ bearer: [] }],
        grouping: 'tags',
        tags: TAGS,
        // Schemas are named by their Joi label (Member, Transfer, Error), not Model1, Model2.
        definitionPrefix: 'useLabel',
      },
    },
  ]);
  server.ext('onPreResponse', (request: Request, h: ResponseToolkit) => {
    const { response } = request;
    if (request.path === JSON_PATH && !(response instanceof Error) && response.statusCode === 200)
      (response as { source: unknown }).source = completeDocument(structuredClone(response.source));
    return h.continue;
  });
}
