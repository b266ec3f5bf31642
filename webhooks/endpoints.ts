// Owns webhook endpoints: create (the secret is shown once), read, change, delete, rotate the secret.
// An admin key manages all of its tenant's endpoints; a partner key only its own.
import { recordAudit } from '../core/audit/log.ts';
import type { Database, Transaction } from '../core/db/database.ts';
import { notFound } from '../core/errors.ts';
import { decodeCursor, isString, type Page, toPage } from '../core/paging.ts';
import { type Actor, type Scope, visibleTo } from '../core/tenancy/scope.ts';
import { type AddressPolicy, checkWebhookUrl } from './address-guard.ts';
import type { EndpointRow } from './model.ts';
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

export async function findEndpoint(
  db: Database | Transaction,
  scope: Scope,
  id: string,
): Promise<EndpointRow> {
  const row = await visibleTo(db, 'webhook_endpoints', scope).where({ id }).first();
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
  const [row]: EndpointRow[] = await trx('webhook_endpoints')
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

export async function listEndpoints(db: Database, scope: Scope, query: { limit: number; cursor?: string }) {
  const after = decodeCursor(query.cursor, isString);
  const rows: EndpointRow[] = await visibleTo(db, 'webhook_endpoints', scope)
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
  const [row]: EndpointRow[] = await trx('webhook_endpoints')
    .where({ id })
    .update({ ...change, ...reenabled, updatedAt: trx.fn.now() })
    .returning('*');
  await audit(trx, actor, id, 'webhook_endpoint.updated', `Changed ${Object.keys(change).join(', ')}`);
  return presentEndpoint(row);
}

export async function deleteEndpoint(trx: Transaction, actor: Actor, id: string) {
  await findEndpoint(trx, actor.scope, id);
  await trx('webhook_endpoints').where({ id }).delete();
  await audit(trx, actor, id, 'webhook_endpoint.deleted', 'Endpoint deleted');
}

// The new secret signs from now on; the previous one keeps signing beside it for 24 hours.
export async function rotateSecret(trx: Transaction, actor: Actor, id: string) {
  const current = await findEndpoint(trx, actor.scope, id);
  const [row]: EndpointRow[] = await trx('webhook_endpoints')
    .where({ id })
    .update({
      secret: generateSecret(),
      previousSecret: current.secret,
      previousSecretUntil: trx.raw(`now() + interval '${ROTATION_OVERLAP_HOURS} hours'`),
      updatedAt: trx.fn.now(),
    })
    .returning('*');
  await audit(trx, actor, id, 'webhook_endpoint.secret_rotated', 'Signing secret rotated');
  return { ...presentEndpoint(row), secret: row.secret, previousSecretValidUntil: row.previousSecretUntil };
}

export async function listMessages(
  db: Database,
  scope: Scope,
  id: string,
  query: { status?: string; limit: number; cursor?: string },
) {
  await findEndpoint(db, scope, id);
  const after = decodeCursor(query.cursor, isString);
  const messages = await db('webhook_messages')
    .where({ endpointId: id })
    .modify((q) => {
      if (query.status) q.where({ status: query.status });
      if (after) q.where('id', '>', after);
    })
    .orderBy('id')
    .limit(query.limit + 1);
  const attempts = await db('webhook_attempts')
    .whereIn(
      'messageId',
      messages.map((m: { id: string }) => m.id),
    )
    .orderBy(['messageId', 'attempt']);
  return toPage(
    messages,
    query.limit,
    (m: Record<string, unknown> & { id: string; body: string }) => ({
      id: m.id,
      eventId: String(m.eventId),
      eventType: m.eventType,
      status: m.status,
      attempts: attempts
        .filter((a: { messageId: string }) => a.messageId === m.id)
        .map(({ messageId: _m, id: _i, ...attempt }: Record<string, unknown>) => attempt),
      nextAttemptAt: m.nextAttemptAt,
      deliveredAt: m.deliveredAt,
      createdAt: m.createdAt,
      payload: JSON.parse(m.body),
    }),
    (m) => m.id,
  );
}
