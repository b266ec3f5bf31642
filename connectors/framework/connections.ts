// Owns connections: create, read, change and delete them (credentials sealed, never shown), their
// connector's schema checks, and what an answer shows of them.
import type Joi from 'joi';
import { UniqueViolationError } from 'objection';
import { recordAudit } from '../../core/audit/log.ts';
import type { Queryable, Transaction } from '../../core/db/database.ts';
import { domainError, notFound, validationFailed } from '../../core/errors.ts';
import { formatCursor } from '../../core/events/cursor.ts';
import { newestCommitted } from '../../core/events/outbox.ts';
import type { ParsedInbound } from '../../core/intake/service.ts';
import { decodeCursor, isString, type Page, toPage } from '../../core/paging.ts';
import type { Actor, Scope } from '../../core/tenancy/scope.ts';
import { createSource } from '../../webhooks/inbound/sources.ts';
import type { Connector, Opened } from './connector.ts';
import { Connection } from './model.ts';
import type { Registry } from './registry.ts';
import { nextRunAt } from './schedule.ts';
import { open, type SecretKey, seal } from './secrets.ts';

export interface ConnectionInput {
  type: string;
  name: string;
  config: Record<string, unknown>;
  credentials?: Record<string, unknown>;
  schedule?: string | null;
  timeZone?: string;
  status?: 'active' | 'paused';
}

export interface Connectors {
  registry: Registry;
  secretKey: SecretKey;
  publicUrl: string | undefined;
}

export function presentConnection(connectors: Connectors, row: Connection) {
  return {
    id: row.id,
    type: row.type,
    channel: row.channel,
    name: row.name,
    config: row.config,
    credentials: { set: row.credentials !== null, updatedAt: row.credentialsUpdatedAt },
    schedule: row.schedule,
    timeZone: row.timeZone,
    status: row.status,
    nextRunAt: row.nextRunAt,
    inboundUrl: connectors.publicUrl ? `${connectors.publicUrl}/webhooks/connections/${row.id}` : null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function connectorOf(connectors: Connectors, type: string): Connector {
  const connector = connectors.registry.get(type);
  if (!connector)
    throw domainError(400, 'validation_failed', `Unknown connection type ${type}`, [
      { in: 'payload', path: 'type', message: `type must be one of ${connectors.registry.types.join(', ')}` },
    ]);
  return connector;
}

// A connector's own schema, its errors reported under the field they belong to.
function checked<T>(schema: Joi.ObjectSchema, value: unknown, field: string): T {
  const { error, value: valid } = schema.validate(value, { abortEarly: false, convert: true });
  if (error)
    throw validationFailed(error.details.map((detail) => ({ ...detail, path: [field, ...detail.path] })));
  return valid as T;
}

export function openConnection(connectors: Connectors, row: Connection): Opened {
  return {
    id: row.id,
    tenantId: row.tenantId,
    name: row.name,
    config: row.config,
    credentials: row.credentials ? open(connectors.secretKey, row.credentials) : null,
    cursor: row.cursor,
  };
}

// A second connection of the same name, or a second active provider of a channel: deliveries go through
// one provider per channel, so another must be paused first.
function conflictOf(error: unknown, name: string, connector: Connector) {
  if (!(error instanceof UniqueViolationError)) return error;
  if (error.constraint === 'connections_one_channel')
    return domainError(
      409,
      'channel_provider_exists',
      `The tenant has an active ${connector.channel?.name} provider; pause it before activating another`,
    );
  return domainError(409, 'connection_exists', `A connection named "${name}" exists`);
}

export async function createConnection(
  trx: Transaction,
  connectors: Connectors,
  actor: Actor,
  input: ConnectionInput,
) {
  const connector = connectorOf(connectors, input.type);
  const config = checked<Record<string, unknown>>(connector.config, input.config, 'config');
  const credentials =
    input.credentials === undefined
      ? undefined
      : checked(connector.credentials, input.credentials, 'credentials');
  const timeZone = input.timeZone ?? 'UTC';
  try {
    const row = await Connection.query(trx)
      .insert({
        tenantId: actor.scope.tenantId,
        type: input.type,
        channel: connector.channel?.name ?? null,
        name: input.name,
        config,
        credentials: credentials === undefined ? null : seal(connectors.secretKey, credentials),
        credentialsUpdatedAt: credentials === undefined ? null : (trx.fn.now() as unknown as Date),
        schedule: input.schedule ?? null,
        timeZone,
        status: input.status ?? 'active',
        nextRunAt: await nextRunAt(input.schedule ?? null, timeZone),
        // Write-back starts with what happens from now on, not the tenant's history.
        writeBackCursor: formatCursor(await newestCommitted(trx)),
      })
      .returning('*');
    await recordAudit(trx, actor, {
      action: 'connection.created',
      entityType: 'connection',
      entityId: row.id,
      summary: `${connector.describe.title} connection "${row.name}"`,
    });
    const inbound = connector.inbound
      ? await createSource(trx, actor, { name: row.name, kind: connector.inbound.kind, connectionId: row.id })
      : undefined;
    return { row, inbound: inbound && { id: inbound.id, path: inbound.path, secret: inbound.secret } };
  } catch (error) {
    throw conflictOf(error, input.name, connector);
  }
}

export async function findConnection(db: Queryable, scope: Scope, id: string): Promise<Connection> {
  const row = await Connection.query(db).findOne({ tenantId: scope.tenantId, id });
  if (!row) throw notFound('Connection');
  return row;
}

export async function listConnections(
  db: Queryable,
  scope: Scope,
  query: { limit: number; cursor?: string },
) {
  const after = decodeCursor(query.cursor, isString);
  const rows = await Connection.query(db)
    .where({ tenantId: scope.tenantId })
    .modify((q) => after && q.where('id', '>', after))
    .orderBy('id')
    .limit(query.limit + 1);
  return toPage(
    rows,
    query.limit,
    (row) => row,
    (row) => row.id,
  ) as Page<Connection>;
}

export type ConnectionChange = Partial<Omit<ConnectionInput, 'type'>>;

export async function changeConnection(
  trx: Transaction,
  connectors: Connectors,
  actor: Actor,
  id: string,
  change: ConnectionChange,
) {
  const row = await Connection.query(trx).findOne({ tenantId: actor.scope.tenantId, id }).forUpdate();
  if (!row) throw notFound('Connection');
  const connector = connectorOf(connectors, row.type);
  const patch: Partial<Connection> = {};
  if (change.name !== undefined) patch.name = change.name;
  if (change.config !== undefined) patch.config = checked(connector.config, change.config, 'config');
  // Credentials are replaced whole: a change never merges into the sealed ones.
  if (change.credentials !== undefined) {
    patch.credentials = seal(
      connectors.secretKey,
      checked(connector.credentials, change.credentials, 'credentials'),
    );
    patch.credentialsUpdatedAt = trx.fn.now() as unknown as Date;
  }
  if (change.status !== undefined) patch.status = change.status;
  if (change.schedule !== undefined || change.timeZone !== undefined) {
    patch.schedule = change.schedule === undefined ? row.schedule : change.schedule;
    patch.timeZone = change.timeZone ?? row.timeZone;
    patch.nextRunAt = await nextRunAt(patch.schedule, patch.timeZone);
  }
  try {
    const updated = await row
      .$query(trx)
      .patchAndFetch({ ...patch, updatedAt: trx.fn.now() as unknown as Date });
    await recordAudit(trx, actor, {
      action: 'connection.updated',
      entityType: 'connection',
      entityId: id,
      // Names the fields changed, never their values: credentials stay out of the audit trail.
      summary: `Changed ${Object.keys(change).join(', ')}`,
    });
    return updated;
  } catch (error) {
    throw conflictOf(error, change.name ?? row.name, connector);
  }
}

export async function deleteConnection(trx: Transaction, actor: Actor, id: string) {
  const row = await findConnection(trx, actor.scope, id);
  await row.$query(trx).delete();
  await recordAudit(trx, actor, {
    action: 'connection.deleted',
    entityType: 'connection',
    entityId: id,
    summary: `Connection "${row.name}" deleted`,
  });
}

// Reads a connection's signed inbound request with its connector (wired into the inbound route).
export async function parseInbound(
  db: Queryable,
  connectors: Connectors,
  connectionId: string,
  body: Buffer,
): Promise<ParsedInbound> {
  const row = (await Connection.query(db).findById(connectionId)) as Connection;
  const inbound = connectors.registry.get(row.type)?.inbound;
  if (!inbound) throw new Error(`a ${row.type} connection reads no inbound requests`);
  return inbound.parse(openConnection(connectors, row), body);
}
