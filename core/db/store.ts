// Owns opening Tessera's database: DATABASE_URL when given, otherwise the embedded PostgreSQL; then migrations.
import pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { type Database, openDatabase } from './database.ts';
import { startEmbeddedPostgres } from './embedded.ts';
import { migrateToLatest } from './migrate.ts';

export interface Store {
  db: Database;
  url: string;
  close: () => Promise<void>;
}

const EMBEDDED_DATABASE = 'tessera';

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
}

const warnTo = (logger: Logger) => (message: string) => logger.warn({ database: String(message) });

// Migrations run on a connection of their own, without the statement timeout that requests have.
async function migrate(url: string): Promise<string[]> {
  const migrator = openDatabase(url, 2);
  try {
    return await migrateToLatest(migrator);
  } finally {
    await migrator.destroy();
  }
}

export async function openStore(config: Config, logger: Logger): Promise<Store> {
  if (config.databaseUrl) {
    await migrate(config.databaseUrl);
    const db = openDatabase(config.databaseUrl, config.dbPoolMax, config.dbTimeoutMs, warnTo(logger));
    return { db, url: config.databaseUrl, close: () => db.destroy() };
  }
  const postgres = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    port: config.embeddedPgPort,
    onLog: (message) => logger.debug({ postgres: message.trim() }),
    onNotice: (message) => logger.info(message),
  });
  try {
    await ensureDatabase(postgres.url(), EMBEDDED_DATABASE);
    const url = postgres.url(EMBEDDED_DATABASE);
    const applied = await migrate(url);
    if (applied.length) logger.info({ applied }, 'migrations applied');
    const db = openDatabase(url, config.dbPoolMax, config.dbTimeoutMs, warnTo(logger));
    return {
      db,
      url,
      close: async () => {
        await db.destroy();
        await postgres.stop();
      },
    };
  } catch (error) {
    await postgres.stop();
    throw error;
  }
}
