// Owns the test databases: one Postgres per run (embedded, or DATABASE_URL's server), a migrated template,
// and a fresh database cloned from it for each test file.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase } from '../../core/db/database.ts';
import { startEmbeddedPostgres } from '../../core/db/embedded.ts';
import { migrateToLatest } from '../../core/db/migrate.ts';

export interface TestPostgres {
  adminUrl: string;
  template: string;
  stop: () => Promise<void>;
}

export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

// Durability is not under test, so the test server skips fsync.
const FAST = ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];
// Benchmarks count the statements each operation sends (test/bench/statements.ts).
const COUNTED = ['-c', 'shared_preload_libraries=pg_stat_statements', '-c', 'pg_stat_statements.track=top'];

// Benchmarks pass durable = true: they measure Tessera as it runs for users, with fsync on.
export async function startTestPostgres(durable = false): Promise<TestPostgres> {
  const runId = randomBytes(4).toString('hex');
  const template = `tessera_tpl_${runId}`;
  let adminUrl = process.env.DATABASE_URL;
  let stopServer = async () => {};
  if (!adminUrl) {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tessera-test-pg-'));
    const server = await startEmbeddedPostgres({
      dataDir,
      port: 0,
      persistent: false,
      extraFlags: durable ? COUNTED : FAST,
    });
    adminUrl = server.url();
    stopServer = async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    };
  }
  await adminQuery(adminUrl, `CREATE DATABASE ${template}`);
  const db = openDatabase(databaseUrl(adminUrl, template), 2);
  try {
    await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
  const url = adminUrl;
  return {
    adminUrl,
    template,
    stop: async () => {
      await adminQuery(url, `DROP DATABASE IF EXISTS ${template}`);
      await stopServer();
    },
  };
}

export async function createTestDatabase(
  adminUrl: string,
  template: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${template.replace('tpl', 't')}_${randomBytes(4).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name} TEMPLATE ${template}`);
  return {
    url: databaseUrl(adminUrl, name),
    drop: () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
