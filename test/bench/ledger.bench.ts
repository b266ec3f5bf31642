// `npm run bench -- ledger`: reserve + confirm pairs through Tessera's HTTP API against the same database
// work done directly through pg (the raw-SQL baseline), and a hot-account run where every transfer of
// every client credits one and the same sink account.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Knex } from 'knex';
import pg from 'pg';
import { Pool } from 'undici';
import { openDatabase } from '../../core/db/database.ts';
import { movementStatement, resolutionStatement } from '../../core/ledger/sql.ts';
import { confirmation, movementParams, resolutionParams, shapes } from '../../core/ledger/transfers.ts';
import { createKey, createTenant } from '../../core/tenancy/service.ts';
import { adminQuery, createTestDatabase, databaseUrl, startTestPostgres } from '../helpers/postgres.ts';
import { spawnServer } from '../helpers/process.ts';
import { type LoadResult, report, runLoad } from './load.ts';
import { statementCounter } from './statements.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
// Each run is preceded by an unmeasured one, so that connections, JIT and plans are warm in all of them.
const WARMUP_SECONDS = 3;
const CLIENTS = 64;
const MEMBERS = 1000;
const POOL = 32;
// The normal run spreads members over this many tenants, each with its own redemption sink.
const TENANTS = 16;

const postgres = await startTestPostgres(true);
const database = await createTestDatabase(postgres.adminUrl, postgres.template);
const db = openDatabase(database.url, 4);

interface Programme {
  key: string;
  refs: string[];
}

async function seed(tenants: number, label: string): Promise<Programme[]> {
  const programmes: Programme[] = [];
  for (let t = 0; t < tenants; t++) {
    const { key, tenantId } = await db.transaction(async (trx) => {
      const tenant = await createTenant(trx, `${label}-${t}`);
      const created = await createKey(
        trx,
        { tenantId: tenant.id, actor: null },
        { name: 'bench', role: 'integration' },
      );
      return { key: created.key, tenantId: tenant.id };
    });
    const refs = Array.from({ length: MEMBERS / tenants }, (_, i) => `${label}-${t}-${i}`);
    await db.transaction(async (trx) => {
      const members = await trx('members')
        .insert(refs.map((externalRef) => ({ tenantId, externalRef, name: externalRef })))
        .returning(['id', 'externalRef']);
      await trx('ledger_accounts').insert(
        members.map((m: { id: string }) => ({ id: m.id, tenantId, kind: 'member' })),
      );
      const issuance = trx.raw(`(SELECT id FROM ledger_accounts WHERE tenant_id = ? AND kind = 'issuance')`, [
        tenantId,
      ]);
      for (const member of members as Array<{ id: string; externalRef: string }>) {
        await trx('ledger_transfers').insert({
          tenantId,
          kind: 'credit',
          debitAccountId: issuance,
          creditAccountId: member.id,
          memberId: member.id,
          memberRef: member.externalRef,
          amount: 1e9,
          postedAmount: 1e9,
          status: 'posted',
          source: 'admin',
        });
      }
      await trx('ledger_accounts')
        .whereIn(
          'id',
          members.map((m: { id: string }) => m.id),
        )
        .update({ creditsPosted: 1e9 });
    });
    programmes.push({ key, refs });
  }
  return programmes;
}

const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)];

async function throughTessera(
  name: string,
  url: string,
  programmes: Programme[],
  seconds = SECONDS,
): Promise<LoadResult> {
  const http = new Pool(url, { connections: CLIENTS, pipelining: 1 });
  const post = async (key: string, path: string, body: object) => {
    const response = await http.request({
      method: 'POST',
      path,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await response.body.json()) as { id: string };
    if (response.statusCode >= 300)
      throw new Error(`${path} → ${response.statusCode} ${JSON.stringify(json)}`);
    return json;
  };
  const result = await runLoad(name, CLIENTS, seconds, async (worker) => {
    const programme = programmes[worker % programmes.length];
    const reserved = await post(programme.key, '/v1/ledger/reservations', {
      memberRef: pick(programme.refs),
      amount: 1,
      source: 'marketplace',
    });
    await post(programme.key, `/v1/ledger/reservations/${reserved.id}/confirm`, {});
  });
  await http.close();
  return result;
}

interface BenchMember {
  id: string;
  external_ref: string;
  tenant_id: string;
  sink: string;
}

async function benchMembers(pool: pg.Pool, programmes: Programme[]): Promise<BenchMember[]> {
  const members = await pool.query(
    `SELECT m.id, m.external_ref, m.tenant_id, (SELECT id FROM ledger_accounts WHERE tenant_id = m.tenant_id AND kind = 'redemption') AS sink
       FROM members m WHERE m.external_ref = ANY($1)`,
    [programmes.flatMap((p) => p.refs)],
  );
  return members.rows;
}

// A knex statement as pg runs it: positional parameters, prepared under the same name as in Tessera.
function native(statement: Knex.Raw): pg.QueryConfig {
  const compiled = statement.toSQL();
  const { sql, bindings } = compiled.toNative();
  return { name: compiled.options?.name, text: sql, values: bindings as unknown[] };
}

// The raw-SQL baseline: the very statements Tessera runs for a reserve and a confirm, one transaction each,
// sent through pg with nothing in between.
async function rawSql(programmes: Programme[], seconds = SECONDS): Promise<LoadResult> {
  const pool = new pg.Pool({ connectionString: database.url, max: POOL });
  const members = await benchMembers(pool, programmes);
  const result = await runLoad('raw SQL, the same statements (pg)', CLIENTS, seconds, async () => {
    const member = pick(members);
    const scope = {
      tenantId: member.tenant_id,
      keyId: 'bench',
      role: 'integration' as const,
      partnerId: null,
    };
    const input = { memberRef: member.external_ref, amount: 1, source: 'marketplace', timeoutSeconds: 900 };
    const reserved = await pool.query(
      native(movementStatement(db, movementParams(scope, input, shapes.reserve(input)))),
    );
    const id = reserved.rows[0]?.id;
    if (!id) throw new Error('reservation refused');
    const confirmed = await pool.query(
      native(resolutionStatement(db, resolutionParams(scope, id, confirmation()))),
    );
    if (confirmed.rowCount !== 1) throw new Error('confirmation refused');
  });
  await pool.end();
  return result;
}

// For context: the same work as a straightforward implementation writes it, BEGIN + three statements +
// COMMIT for each step.
async function rawSqlTransactions(programmes: Programme[], seconds = SECONDS): Promise<LoadResult> {
  const pool = new pg.Pool({ connectionString: database.url, max: POOL });
  const members = await benchMembers(pool, programmes);
  const inTransaction = async (work: (client: pg.PoolClient) => Promise<void>) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await work(client);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  };
  const result = await runLoad('raw SQL, BEGIN + 3 statements + COMMIT (pg)', CLIENTS, seconds, async () => {
    const member = pick(members);
    const id = randomUUID();
    await inTransaction(async (client) => {
      await client.query(
        `INSERT INTO ledger_transfers (id, tenant_id, kind, debit_account_id, credit_account_id, member_id, member_ref, amount, status, source, expires_at)
         VALUES ($1, $2, 'reservation', $3, $4, $3, $5, 1, 'pending', 'marketplace', now() + interval '900 seconds')`,
        [id, member.tenant_id, member.id, member.sink, member.external_ref],
      );
      const moved = await client.query(
        `UPDATE ledger_accounts SET debits_pending = debits_pending + 1
          WHERE id = $1 AND credits_posted - debits_posted - debits_pending >= 1 RETURNING debits_pending`,
        [member.id],
      );
      if (moved.rowCount !== 1) throw new Error('insufficient');
      await client.query(
        `INSERT INTO events (tenant_id, type, subject, data) VALUES ($1, 'ledger.reserved', $2, $3)`,
        [member.tenant_id, member.external_ref, { transferId: id }],
      );
    });
    await inTransaction(async (client) => {
      await client.query(
        `UPDATE ledger_transfers SET status = 'posted', posted_amount = amount, resolved_at = now()
          WHERE id = $1 AND status = 'pending' AND expires_at > now()`,
        [id],
      );
      await client.query(
        'UPDATE ledger_accounts SET debits_pending = debits_pending - 1, debits_posted = debits_posted + 1 WHERE id = $1',
        [member.id],
      );
      await client.query(
        `INSERT INTO events (tenant_id, type, subject, data) VALUES ($1, 'ledger.confirmed', $2, $3)`,
        [member.tenant_id, member.external_ref, { transferId: id }],
      );
    });
  });
  await pool.end();
  return result;
}

// pgbench's TPC-B on a database of its own in the same PostgreSQL, at the same client count: the
// database's own transaction rate, before and after the Tessera runs. Debian's postgresql package has it.
const PGBENCH = '/usr/bin/pgbench';

async function pgbenchTps(label: string): Promise<number | null> {
  if (!existsSync(PGBENCH)) return null;
  const url = databaseUrl(postgres.adminUrl, 'tessera_pgbench');
  const run = promisify(execFile);
  if (label === 'before') {
    await adminQuery(postgres.adminUrl, 'DROP DATABASE IF EXISTS tessera_pgbench');
    await adminQuery(postgres.adminUrl, 'CREATE DATABASE tessera_pgbench');
    await run(PGBENCH, ['-i', '-q', '-s', '10', url]);
  }
  const { stdout } = await run(PGBENCH, ['-c', String(CLIENTS), '-j', '2', '-T', String(SECONDS), url]);
  const tps = /tps = ([\d.]+)/.exec(stdout);
  return tps ? Number(tps[1]) : null;
}

try {
  process.stdout.write(`Seeding ${MEMBERS} members in ${TENANTS} tenants, and ${MEMBERS} in one tenant...\n`);
  const spread = await seed(TENANTS, 'spread');
  const hot = await seed(1, 'hot');
  const server = await spawnServer({
    DATABASE_URL: database.url,
    LOG_LEVEL: 'warn',
    TESSERA_DB_POOL_MAX: String(POOL),
  });
  try {
    process.stdout.write(
      `Each run: ${CLIENTS} concurrent clients for ${SECONDS} s; one operation = reserve + confirm.\n`,
    );
    const tpsBefore = await pgbenchTps('before');
    const counter = await statementCounter(database.url);
    await throughTessera('warm-up', server.url, spread, WARMUP_SECONDS);
    const counted = await counter.during(() => throughTessera('Tessera HTTP, 16 sinks', server.url, spread));
    const normal = counted.result;
    await counter.close();
    await throughTessera('warm-up', server.url, hot, WARMUP_SECONDS);
    const hotRun = await throughTessera('Tessera HTTP, one hot sink', server.url, hot);
    await rawSql(spread, WARMUP_SECONDS);
    const raw = await rawSql(spread);
    await rawSqlTransactions(spread, WARMUP_SECONDS);
    const classic = await rawSqlTransactions(spread);
    const tpsAfter = await pgbenchTps('after');
    report(
      'Ledger benchmark: reserve + confirm pairs',
      [normal, hotRun, raw, classic],
      [
        ['Tessera / raw SQL (the same statements)', normal.perSecond / raw.perSecond],
        ['Tessera / raw SQL (BEGIN + 3 statements + COMMIT)', normal.perSecond / classic.perSecond],
        ['hot sink / normal', hotRun.perSecond / normal.perSecond],
      ],
    );
    const tps = tpsBefore !== null && tpsAfter !== null ? (tpsBefore + tpsAfter) / 2 : null;
    process.stdout.write(
      [
        `statements per reserve + confirm pair over HTTP: ${(counted.statements / normal.operations).toFixed(1)}`,
        tps === null
          ? `pgbench not found at ${PGBENCH} (Debian: apt-get install postgresql-15): its row is skipped`
          : `pgbench TPC-B (-c ${CLIENTS} -j 2 -T ${SECONDS}, scale 10), before and after: ${tpsBefore?.toFixed(0)} and ${tpsAfter?.toFixed(0)} tps`,
        ...(tps === null
          ? []
          : [`Tessera transfers/s / pgbench TPC-B tps: ${((normal.perSecond * 2) / tps).toFixed(2)}×`]),
        '',
      ].join('\n'),
    );
  } finally {
    await server.stop();
  }
} finally {
  await db.destroy();
  await database.drop();
  await postgres.stop();
}
