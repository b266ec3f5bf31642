// Owns tenants and API keys: creation, listing, revocation and the first-start bootstrap.
import { UniqueViolationError } from 'objection';
import { recordAudit } from '../audit/log.ts';
import { requirePartner } from '../catalog/partners.ts';
import type { Database, Transaction } from '../db/database.ts';
import { domainError, notFound } from '../errors.ts';
import { recordEvent } from '../events/outbox.ts';
import { decodeCursor, isString, type Page, toPage } from '../paging.ts';
import { displayPrefix, generateKey, hashKey } from './keys.ts';
import { ApiKey, Tenant } from './model.ts';
import { type Actor, type Role, type Scope, type Writer, writerOf } from './scope.ts';

export interface NewKey {
  name: string;
  role: Role;
  partnerId?: string | null;
}

export async function createTenant(trx: Transaction, name: string): Promise<Tenant> {
  try {
    return await Tenant.query(trx).insertAndFetch({ name });
  } catch (error) {
    if (error instanceof UniqueViolationError)
      throw domainError(409, 'tenant_exists', `Tenant ${name} exists`);
    throw error;
  }
}

export async function findTenant(db: Database, name: string): Promise<Tenant> {
  const tenant = await Tenant.query(db).findOne({ name });
  if (!tenant) throw notFound(`Tenant ${name}`);
  return tenant;
}

// `key` is given only to register an operator-chosen key (TESSERA_ADMIN_KEY); otherwise one is generated.
export async function createKey(trx: Transaction, who: Actor | Writer, input: NewKey, key = generateKey()) {
  const { tenantId } = writerOf(who);
  if ((input.role === 'partner') !== Boolean(input.partnerId)) {
    throw domainError(
      400,
      'validation_failed',
      'partnerId is required for the partner role and only for it',
      [{ in: 'payload', path: 'partnerId', message: 'partnerId goes with role partner' }],
    );
  }
  if (input.partnerId) await requirePartner(trx, { tenantId }, input.partnerId);
  const row = await ApiKey.query(trx).insertAndFetch({
    tenantId,
    name: input.name,
    role: input.role,
    partnerId: input.partnerId ?? null,
    keyPrefix: displayPrefix(key),
    keyHash: hashKey(key),
  });
  await recordAudit(trx, who, {
    action: 'api_key.created',
    entityType: 'api_key',
    entityId: row.id,
    summary: `API key "${row.name}" created with role ${row.role}`,
  });
  return { ...row.toJSON(), key };
}

export async function listKeys(
  db: Database,
  scope: Scope,
  { limit, cursor }: { limit: number; cursor?: string },
): Promise<Page<unknown>> {
  const after = decodeCursor(cursor, isString);
  const rows = await ApiKey.query(db)
    .where({ tenantId: scope.tenantId })
    .modify((q) => after && q.where('id', '>', after))
    .orderBy('id')
    .limit(limit + 1);
  return toPage(
    rows,
    limit,
    (row) => row.toJSON(),
    (row) => row.id,
  );
}

export async function revokeKey(trx: Transaction, actor: Actor, id: string): Promise<void> {
  const { tenantId } = actor.scope;
  const revoked = await ApiKey.query(trx)
    .patch({ revokedAt: trx.fn.now() as unknown as Date })
    .where({ id, tenantId })
    .whereNull('revokedAt')
    .returning('*');
  if (revoked.length === 0) {
    // Revoking twice is not an error; revoking another tenant's key is "not found".
    const exists = await ApiKey.query(trx).findOne({ id, tenantId });
    if (!exists) throw notFound('API key');
    return;
  }
  await recordAudit(trx, actor, {
    action: 'api_key.revoked',
    entityType: 'api_key',
    entityId: id,
    summary: `API key "${revoked[0].name}" revoked`,
  });
  // Every process's live feed reads this and closes the key's sockets and its tokens' sockets.
  await recordEvent(trx, { tenantId, type: 'api_key.revoked', subject: id, data: { keyId: id } });
}

export const DEFAULT_TENANT = 'default';

// First start: the default tenant, and its admin key (the configured one, or a generated one returned
// once so that the caller can print it). Serialised so that several servers starting at once agree.
export async function bootstrap(db: Database, configuredKey: string | undefined): Promise<string | null> {
  return db.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', ['tessera.bootstrap']);
    let tenant = await Tenant.query(trx).findOne({ name: DEFAULT_TENANT });
    const empty = !tenant && (await Tenant.query(trx).resultSize()) === 0;
    if (empty) tenant = await Tenant.query(trx).insertAndFetch({ name: DEFAULT_TENANT });
    if (!tenant) return null;
    const admin = { name: 'bootstrap admin', role: 'admin' as const };
    if (configuredKey) {
      const known = await ApiKey.query(trx).findOne({ keyHash: hashKey(configuredKey) });
      if (!known) await createKey(trx, { tenantId: tenant.id, actor: null }, admin, configuredKey);
      return null;
    }
    return empty ? (await createKey(trx, { tenantId: tenant.id, actor: null }, admin)).key : null;
  });
}
