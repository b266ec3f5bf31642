// Owns the connection pool: one knex instance per process, camelCase in JS, snake_case in SQL.
import knex, { type Knex } from 'knex';
import { knexSnakeCaseMappers, snakeCaseMappers } from 'objection';
import pg from 'pg';

// Points and counters are bigint columns; every amount Tessera stores stays below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

export type Database = Knex;
export type Transaction = Knex.Transaction;
// Where a statement that is atomic on its own may run: the pool (autocommit) or a transaction.
export type Queryable = Database | Transaction;

export function openDatabase(url: string, poolMax: number): Database {
  return knex({
    client: 'pg',
    connection: { connectionString: url, application_name: 'tessera' },
    pool: { min: 0, max: poolMax, idleTimeoutMillis: 30_000 },
    acquireConnectionTimeout: 10_000,
    ...knexSnakeCaseMappers(),
  });
}

const columns = snakeCaseMappers();

// Raw queries bypass knex's key mapping for their rows; this gives them the same camelCase keys.
export function rowsOf<T>(result: { rows: Record<string, unknown>[] }): T[] {
  return result.rows.map((row) => columns.parse(row) as T);
}
