// Owns schema migrations: forward-only knex migrations from migrations/.
import { fileURLToPath } from 'node:url';
import type { Database } from './database.ts';

const directory = fileURLToPath(new URL('../../migrations', import.meta.url));
const options = { directory, loadExtensions: ['.ts'], tableName: 'knex_migrations' };

export async function migrateToLatest(db: Database): Promise<string[]> {
  const [, applied] = await db.migrate.latest(options);
  return applied as string[];
}

export async function pendingMigrations(db: Database): Promise<number> {
  const [, pending] = await db.migrate.list(options);
  return (pending as unknown[]).length;
}
