// Owns counting the statements a benchmark run sends to its database, from pg_stat_statements on the
// bench's own PostgreSQL (BEGIN, COMMIT and background work included): round trips are the hot paths' cost.
import { openDatabase } from '../../core/db/database.ts';

export async function statementCounter(databaseUrl: string) {
  const db = openDatabase(databaseUrl, 1);
  await db.raw('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  const total = async () => {
    const result = await db.raw(
      `SELECT coalesce(sum(calls), 0) AS n FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    return Number(result.rows[0].n);
  };
  return {
    // Statements sent while `work` ran (the counter's own reads excluded).
    during: async <T>(work: () => Promise<T>): Promise<{ result: T; statements: number }> => {
      const before = await total();
      const result = await work();
      return { result, statements: (await total()) - before - 1 };
    },
    close: () => db.destroy(),
  };
}
