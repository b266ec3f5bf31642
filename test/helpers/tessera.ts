// Owns a Tessera under test: a real server on a random port over a fresh database, with an admin key,
// an HTTP client for its API, and a teardown that leaves nothing running.
import { randomBytes } from 'node:crypto';
import { t as root } from 'tap';
import { type Config, loadConfig } from '../../core/config.ts';
import type { Database } from '../../core/db/database.ts';
import { createLogger } from '../../core/log.ts';
import { startTessera, type Tessera } from '../../core/runtime.ts';
import { Tenant } from '../../core/tenancy/model.ts';
import type { LedgerAccess, Role } from '../../core/tenancy/scope.ts';
import { createKey, createTenant, DEFAULT_TENANT } from '../../core/tenancy/service.ts';
import { type ApiResponse, apiClient, type CallOptions } from './api.ts';
import { createTestDatabase, startTestPostgres, type TestPostgres } from './postgres.ts';

export { type ApiResponse, apiClient } from './api.ts';

type Test = { teardown: (fn: () => unknown) => void };

let shared: Promise<Pick<TestPostgres, 'adminUrl' | 'template'>> | undefined;

// `npm test` starts Postgres once for the run; a test file run on its own starts its own.
function testPostgres() {
  if (process.env.TESSERA_TEST_PG && process.env.TESSERA_TEST_TEMPLATE) {
    return Promise.resolve({
      adminUrl: process.env.TESSERA_TEST_PG,
      template: process.env.TESSERA_TEST_TEMPLATE,
    });
  }
  shared ??= startTestPostgres().then((postgres) => {
    root.teardown(() => postgres.stop());
    return postgres;
  });
  return shared;
}

export async function freshDatabaseUrl(t: Test): Promise<string> {
  const { adminUrl, template } = await testPostgres();
  const database = await createTestDatabase(adminUrl, template);
  t.teardown(() => database.drop());
  return database.url;
}

// The events API hands out only what no open transaction can still precede, and the suite's test files
// share one PostgreSQL, whose oldest open transaction may be another file's. Before reading events, a
// test waits until every transaction open when it asked has ended, as a client polling the API would.
async function eventsSettled(db: Database) {
  const { rows } = await db.raw('SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS horizon');
  for (let i = 0; i < 400; i++) {
    const settled = await db.raw('SELECT pg_snapshot_xmin(pg_current_snapshot()) >= ?::xid8 AS done', [
      rows[0].horizon,
    ]);
    if (settled.rows[0].done) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function settlingEvents(db: Database, api: ReturnType<typeof apiClient>): ReturnType<typeof apiClient> {
  return async (method, path, options) => {
    if (method === 'GET' && path.startsWith('/v1/events')) await eventsSettled(db);
    return api(method, path, options);
  };
}

export interface KeyOptions {
  tenant?: string;
  partnerId?: string;
  // A partner key's partner is made with this ledger access (default none, as for a real partner).
  ledgerAccess?: LedgerAccess;
}

export interface TestTessera {
  url: string;
  db: Database;
  adminKey: string;
  config: Config;
  tessera: Tessera;
  api: (method: string, path: string, options?: CallOptions) => Promise<ApiResponse>;
  keyFor: (role: Role, options?: KeyOptions) => Promise<string>;
}

// Every process of a deployment with DATABASE_URL shares one secret key; tests set one as users must.
export const TEST_SECRET_KEY = randomBytes(32).toString('base64');

export function testConfig(env: Record<string, string>): Config {
  return loadConfig({
    PORT: '0',
    LOG_LEVEL: process.env.TESSERA_TEST_LOG_LEVEL ?? 'silent',
    TESSERA_SECRET_KEY: TEST_SECRET_KEY,
    ...env,
  });
}

// `reach` may put something between Tessera and its database (a fault-injecting proxy).
export async function startTestTessera(
  t: Test,
  env: Record<string, string> = {},
  reach: (databaseUrl: string) => Promise<string> = async (url) => url,
): Promise<TestTessera> {
  const databaseUrl = await reach(await freshDatabaseUrl(t));
  const adminKey = `tsk_test_${randomBytes(16).toString('hex')}`;
  const config = testConfig({ DATABASE_URL: databaseUrl, TESSERA_ADMIN_KEY: adminKey, ...env });
  const tessera = await startTessera(config, createLogger(config.logLevel));
  t.teardown(() => tessera.stop());
  const db = tessera.db;
  const keyFor = async (role: Role, options: KeyOptions = {}) => {
    const name = options.tenant ?? DEFAULT_TENANT;
    return db.transaction(async (trx) => {
      const tenant = (await Tenant.query(trx).findOne({ name })) ?? (await createTenant(trx, name));
      // A partner key belongs to one of the tenant's partners: made here when the test names a new one.
      if (options.partnerId) {
        const made = trx('partners')
          .insert({
            id: options.partnerId,
            tenantId: tenant.id,
            name: `partner ${options.partnerId}`,
            ledgerAccess: options.ledgerAccess ?? 'none',
          })
          .onConflict('id');
        await (options.ledgerAccess ? made.merge(['ledgerAccess']) : made.ignore());
      }
      const created = await createKey(
        trx,
        { tenantId: tenant.id, actor: null },
        { name: `${role} key`, role, partnerId: options.partnerId },
      );
      return created.key;
    });
  };
  return {
    url: tessera.url,
    db,
    adminKey,
    config,
    tessera,
    api: settlingEvents(db, apiClient(tessera.url, adminKey)),
    keyFor,
  };
}
