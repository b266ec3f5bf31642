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

// A pg client as knex holds it: `__knex__disposed` makes knex's pool throw the connection away.
interface PooledClient {
  query: (...args: unknown[]) => unknown;
  connection: { stream: { destroy: () => void } };
  __knex__disposed?: unknown;
}

// A statement that outlived the timeout (a frozen or unreachable server) leaves its connection with a
// query in flight and perhaps a transaction open: the connection is closed at once, so that nothing
// later joins that transaction, and the pool makes a new one.
function closeOnTimeout(client: PooledClient, done: (error: Error | null, client: unknown) => void) {
  const query = client.query.bind(client);
  client.query = (...args: unknown[]) => {
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      args[last] = (error: Error | null, result: unknown) => {
        if (error?.message === 'Query read timeout') {
          client.__knex__disposed = error;
          client.connection.stream.destroy();
        }
        callback(error, result);
      };
    }
    return query(...args);
  };
  done(null, client);
}

// With timeoutMs, connecting, waiting for a pooled connection and each statement are bounded by it (a
// client-side bound: a frozen server enforces no statement_timeout). Migrations run without one.
// knex's own warnings (a connection lost, an acquire timed out) go to the caller's log, not the console.
export type DatabaseLog = (message: string) => void;

export function openDatabase(url: string, poolMax: number, timeoutMs?: number, warn?: DatabaseLog): Database {
  const bounded = timeoutMs ? { connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs } : {};
  const log = warn ? { warn, error: warn, deprecate: warn, debug: () => {} } : undefined;
  return knex({
    ...(log ? { log } : {}),
    client: 'pg',
    connection: { connectionString: url, application_name: 'tessera', ...bounded },
    pool: {
      min: 0,
      max: poolMax,
      idleTimeoutMillis: 30_000,
      ...(timeoutMs ? { afterCreate: closeOnTimeout } : {}),
    },
    acquireConnectionTimeout: timeoutMs ?? 10_000,
    ...knexSnakeCaseMappers(),
  });
}

const columns = snakeCaseMappers();

// Raw queries bypass knex's key mapping for their rows; this gives them the same camelCase keys.
export function rowsOf<T>(result: { rows: Record<string, unknown>[] }): T[] {
  return result.rows.map((row) => columns.parse(row) as T);
}
