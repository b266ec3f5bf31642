// Owns webhook endpoints: create (the secret is shown once), read, change, delete, rotate the secret.
// An admin key manages all of its tenant's endpoints; a partner key only its own.
import { recordAudit } from '../core/audit/log.ts';
import type { Queryable, Transaction } from '../core/db/database.ts';
import { notFound } from '../core/errors.ts';
import { decodeCursor, isString, type Page, toPage } from '../core/paging.ts';
import { type Actor, type Scope, visibleRows } from '../core/tenancy/scope.ts';
import { type AddressPolicy, checkWebhookUrl } from './address-guard.ts';
import { type EndpointRow, WebhookAttempt, WebhookEndpoint, WebhookMessage } from './model.ts';
import { generateSecret } from './signing.ts';

const ROTATION_OVERLAP_HOURS = 24;

export interface NewEndpoint {
  url: string;
  eventTypes: string[];
  description?: string;
}

export interface EndpointChange {
  url?: string;
  eventTypes?: string[];
  description?: string | null;
  enabled?: boolean;
}

export function presentEndpoint(row: EndpointRow) {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: row.eventTypes,
    enabled: row.enabled,
    disabledReason: row.disabledReason,
    partnerId: row.partnerId,
    failingSince: row.failingSince,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export async function findEndpoint(db: Queryable, scope: Scope, id: string): Promise<WebhookEndpoint> {
  const row = await visibleRows(db, WebhookEndpoint, scope).findById(id);
  if (!row) throw notFound('Webhook endpoint');
  return row;
}

const audit = (trx: Transaction, actor: Actor, id: string, action: string, summary: string) =>
  recordAudit(trx, actor, {
    action,
    entityType: 'webhook_endpoint',
    entityId: id,
    summary,
  });

export async function createEndpoint(
  trx: Transaction,
  actor: Actor,
  input: NewEndpoint,
  policy: AddressPolicy,
) {
  const { scope } = actor;
  await checkWebhookUrl(input.url, policy, { mayUseAllowList: scope.role === 'admin' });
  const row = await WebhookEndpoint.query(trx)
    .insert({
      tenantId: scope.tenantId,
      partnerId: scope.role === 'partner' ? scope.partnerId : null,
      url: input.url,
      description: input.description ?? null,
      eventTypes: input.eventTypes,
      secret: generateSecret(),
    })
    .returning('*');
  await audit(trx, actor, row.id, 'webhook_endpoint.created', `Endpoint for ${input.eventTypes.join(', ')}`);
  return { ...presentEndpoint(row), secret: row.secret };
}

export async function listEndpoints(db: Queryable, scope: Scope, query: { limit: number; cursor?: string }) {
  const after = decodeCursor(query.cursor, isString);
  const rows = await visibleRows(db, WebhookEndpoint, scope)
    .modify((q) => after && q.where('id', '>', after))
    .orderBy('id')
    .limit(query.limit + 1);
  return toPage(rows, query.limit, presentEndpoint, (row) => row.id) as Page<unknown>;
}

export async function changeEndpoint(
  trx: Transaction,
  actor: Actor,
  id: string,
  change: EndpointChange,
  policy: AddressPolicy,
) {
  const endpoint = await findEndpoint(trx, actor.scope, id);
  // The operator's allow-list serves admin-owned endpoints only, never a partner's.
  const mayUseAllowList = endpoint.partnerId === null && actor.scope.role === 'admin';
  if (change.url) await checkWebhookUrl(change.url, policy, { mayUseAllowList });
  // Enabling again starts the failure clock afresh.
  const reenabled = change.enabled === true ? { disabledReason: null, failingSince: null } : {};
  const row = await endpoint
    .$query(trx)
    .patchAndFetch({ ...change, ...reenabled, updatedAt: trx.fn.now() as unknown as Date });
  await audit(trx, actor, id, 'webhook_endpoint.updated', `Changed ${Object.keys(change).join(', ')}`);
  return presentEndpoint(row);
}

export async function deleteEndpoint(trx: Transaction, actor: Actor, id: string) {
  await (await findEndpoint(trx, actor.scope, id)).$query(trx).delete();
  await audit(trx, actor, id, 'webhook_endpoint.deleted', 'Endpoint deleted');
}

// The new secret signs from now on; the previous one keeps signing beside it for 24 hours.
export async function rotateSecret(trx: Transaction, actor: Actor, id: string) {
  const current = await findEndpoint(trx, actor.scope, id);
  const row = await current.$query(trx).patchAndFetch({
    secret: generateSecret(),
    previousSecret: current.secret,
    previousSecretUntil: trx.raw(`now() + make_interval(hours => ?)`, [
      ROTATION_OVERLAP_HOURS,
    ]) as unknown as Date,
    updatedAt: trx.fn.now() as unknown as Date,
  });
  await audit(trx, actor, id, 'webhook_endpoint.secret_rotated', 'Signing secret rotated');
  return { ...presentEndpoint(row), secret: row.secret, previousSecretValidUntil: row.previousSecretUntil };
}

function presentMessage(message: WebhookMessage, attempts: WebhookAttempt[]) {
  return {
    id: message.id,
    eventId: String(message.eventId),
    eventType: message.eventType,
    status: message.status,
    attempts: attempts
      .filter((a) => a.messageId === message.id)
      .map(({ attempt, startedAt, statusCode, durationMs, responseBody, error }) => ({
        attempt,
        startedAt,
        statusCode,
        durationMs,
        responseBody,
        error,
      })),
    nextAttemptAt: message.nextAttemptAt,
    deliveredAt: message.deliveredAt,
    createdAt: message.createdAt,
    payload: JSON.parse(message.body),
  };
}

export async function listMessages(
  db: Queryable,
  scope: Scope,
  id: string,
  query: { status?: string; limit: number; cursor?: string },
) {
  await findEndpoint(db, scope, id);
  const after = decodeCursor(query.cursor, isString);
  const messages = await WebhookMessage.query(db)
    .where({ endpointId: id })
    .modify((q) => {
      if (query.status) q.where({ status: query.status });
      if (after) q.where('id', '>', after);
    })
    .orderBy('id')
    .limit(query.limit + 1);
  const attempts = await WebhookAttempt.query(db)
    .whereIn(
      'messageId',
      messages.map((m) => m.id),
    )
    .orderBy(['messageId', 'attempt']);
  return toPage(
    messages,
    query.limit,
    (message) => presentMessage(message, attempts),
    (message) => message.id,
  );
}
