// `npm run bench -- webhooks`: events committed to the outbox are fanned out to 10 endpoints on a local
// receiver and delivered by a Tessera process; the ceiling is a bare `got` POST loop to the same receiver
// with the same concurrency, in the same run.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import got from 'got';
import { openDatabase } from '../../core/db/database.ts';
import { apiClient } from '../helpers/api.ts';
import { createTestDatabase, startTestPostgres } from '../helpers/postgres.ts';
import { spawnServer } from '../helpers/process.ts';
import { machine } from './load.ts';
import { statementCounter } from './statements.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000);
const ENDPOINTS = 10;
const BATCH = 100;
// Tessera's delivery concurrency per process (TESSERA_WEBHOOK_WORKER_CONCURRENCY), used for both runs.
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const DELIVERIES = EVENTS * ENDPOINTS;
// The steady run: events committed at this rate (each one delivered to every endpoint), below capacity,
// so that commit→receipt shows the latency of a load the system sustains, not of a draining backlog.
// Committed in ticks of 100 ms: a multiple of 10.
const STEADY_RATE = Number(process.env.BENCH_STEADY_RATE ?? 40);
const STEADY_SECONDS = Number(process.env.BENCH_STEADY_SECONDS ?? 15);

// The receiver answers 200 at once and notes when each (event, endpoint) arrived.
async function startReceiver() {
  const arrivals = new Map<string, number>();
  let count = 0;
  let expected = DELIVERIES;
  let done: () => void = () => {};
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const at = performance.now() + performance.timeOrigin;
      const { id } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string };
      arrivals.set(`${id} ${request.url}`, at);
      response.writeHead(200).end('ok');
      if (++count === expected) done();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrivals,
    // Resolves once `deliveries` more have arrived.
    expect: (deliveries: number) => {
      arrivals.clear();
      count = 0;
      expected = deliveries;
      return new Promise<void>((resolve) => {
        done = resolve;
      });
    },
    reset: () => {
      arrivals.clear();
      count = 0;
    },
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

// Events go straight into the outbox in batches; each batch's commit time is what latency counts from.
async function commitEvents(db: ReturnType<typeof openDatabase>, tenantId: string) {
  const committedAt = new Map<string, number>();
  for (let offset = 0; offset < EVENTS; offset += BATCH) {
    const rows = await db('events')
      .insert(
        Array.from({ length: Math.min(BATCH, EVENTS - offset) }, (_, i) => ({
          tenantId,
          type: 'ledger.credited',
          subject: `member-${offset + i}`,
          data: JSON.stringify({ memberRef: `member-${offset + i}`, amount: 100, source: 'pos' }),
        })),
      )
      .returning('id');
    const at = performance.now() + performance.timeOrigin;
    for (const row of rows as Array<{ id: string }>) committedAt.set(String(row.id), at);
  }
  return committedAt;
}

async function throughTessera(
  serverUrl: string,
  adminKey: string,
  receiver: Awaited<ReturnType<typeof startReceiver>>,
  databaseUrl: string,
) {
  const api = apiClient(serverUrl, adminKey);
  for (let i = 0; i < ENDPOINTS; i++) {
    const created = await api('POST', '/v1/webhook-endpoints', {
      body: { url: `${receiver.url}/endpoint-${i}`, eventTypes: ['ledger.*'] },
    });
    if (created.status !== 201) throw new Error(`endpoint not created: ${JSON.stringify(created.body)}`);
  }
  const db = openDatabase(databaseUrl, 2);
  try {
    const tenantId = (await db('tenants').where({ name: 'default' }).first()).id;
    const all = receiver.expect(DELIVERIES);
    const started = performance.now() + performance.timeOrigin;
    const committedAt = await commitEvents(db, tenantId);
    await all;
    const finished = performance.now() + performance.timeOrigin;
    const latencies = [...receiver.arrivals].map(
      ([key, at]) => at - (committedAt.get(key.split(' ')[0]) ?? at),
    );
    latencies.sort((a, b) => a - b);
    return {
      perSecond: DELIVERIES / ((finished - started) / 1000),
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
    };
  } finally {
    await db.destroy();
  }
}

// Events committed at STEADY_RATE a second, in ticks of 100 ms, after the backlog run has drained.
async function steadyLoad(receiver: Awaited<ReturnType<typeof startReceiver>>, databaseUrl: string) {
  const db = openDatabase(databaseUrl, 2);
  try {
    const tenantId = (await db('tenants').where({ name: 'default' }).first()).id;
    const events = STEADY_RATE * STEADY_SECONDS;
    const all = receiver.expect(events * ENDPOINTS);
    const committedAt = new Map<string, number>();
    const started = performance.now();
    for (let tick = 0; tick < STEADY_SECONDS * 10; tick++) {
      const wait = started + tick * 100 - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const rows = await db('events')
        .insert(
          Array.from({ length: STEADY_RATE / 10 }, (_, i) => ({
            tenantId,
            type: 'ledger.credited',
            subject: `steady-${tick}-${i}`,
            data: JSON.stringify({ memberRef: `steady-${tick}-${i}`, amount: 100, source: 'pos' }),
          })),
        )
        .returning('id');
      const at = performance.now() + performance.timeOrigin;
      for (const row of rows as Array<{ id: string }>) committedAt.set(String(row.id), at);
    }
    await all;
    const latencies = [...receiver.arrivals]
      .map(([key, at]) => at - (committedAt.get(key.split(' ')[0]) ?? at))
      .sort((a, b) => a - b);
    return {
      perSecond: STEADY_RATE * ENDPOINTS,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
    };
  } finally {
    await db.destroy();
  }
}

// The ceiling: the same number of POSTs of a like body, from CONCURRENCY loops over keep-alive.
async function bareGot(receiverUrl: string) {
  const agent = { http: new http.Agent({ keepAlive: true }) };
  let next = 0;
  const started = performance.now();
  const loop = async () => {
    while (next < DELIVERIES) {
      const n = next++;
      const body = JSON.stringify({
        id: String(n),
        type: 'ledger.credited',
        createdAt: new Date().toISOString(),
        data: { n },
      });
      await got.post(`${receiverUrl}/endpoint-${n % ENDPOINTS}`, {
        body,
        headers: { 'content-type': 'application/json' },
        agent,
        retry: { limit: 0 },
      });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  return { perSecond: DELIVERIES / ((performance.now() - started) / 1000) };
}

const postgres = await startTestPostgres(true);
const database = await createTestDatabase(postgres.adminUrl, postgres.template);
const receiver = await startReceiver();
try {
  const adminKey = `tsk_bench_${randomBytes(16).toString('hex')}`;
  const server = await spawnServer({
    DATABASE_URL: database.url,
    LOG_LEVEL: 'warn',
    TESSERA_ADMIN_KEY: adminKey,
    TESSERA_WEBHOOK_ALLOW_HTTP: 'true',
    TESSERA_WEBHOOK_ALLOWED_ADDRESSES: '127.0.0.1',
    TESSERA_WEBHOOK_WORKER_CONCURRENCY: String(CONCURRENCY),
  });
  let tessera: Awaited<ReturnType<typeof throughTessera>> & { statements: number };
  let steady: Awaited<ReturnType<typeof steadyLoad>>;
  try {
    process.stdout.write(
      `Delivering ${EVENTS} events to ${ENDPOINTS} endpoints (${DELIVERIES} deliveries)...\n`,
    );
    const counter = await statementCounter(database.url);
    const counted = await counter.during(() => throughTessera(server.url, adminKey, receiver, database.url));
    await counter.close();
    tessera = { ...counted.result, statements: counted.statements };
    process.stdout.write(`Committing ${STEADY_RATE} events/s for ${STEADY_SECONDS} s...\n`);
    steady = await steadyLoad(receiver, database.url);
  } finally {
    await server.stop();
  }
  receiver.reset();
  await bareGot(receiver.url);
  receiver.reset();
  const ceiling = await bareGot(receiver.url);
  process.stdout.write(
    [
      '\nWebhooks benchmark: outbox event commit → signed delivery received',
      `machine: ${machine()}`,
      `concurrency: ${CONCURRENCY} deliveries in flight (Tessera and the bare loop alike)`,
      '',
      '| run | deliveries | deliveries/s | p50 ms commit→receipt | p99 ms commit→receipt |',
      '|---|---:|---:|---:|---:|',
      `| Tessera (fan-out + queue + signed POST) | ${DELIVERIES} | ${tessera.perSecond.toFixed(0)} | ${tessera.p50.toFixed(0)} | ${tessera.p99.toFixed(0)} |`,
      `| Tessera, steady: ${STEADY_RATE} events/s committed | ${STEADY_RATE * STEADY_SECONDS * ENDPOINTS} | ${steady.perSecond.toFixed(0)} (offered) | ${steady.p50.toFixed(0)} | ${steady.p99.toFixed(0)} |`,
      `| bare got POST loop (ceiling) | ${DELIVERIES} | ${ceiling.perSecond.toFixed(0)} | – | – |`,
      '',
      `Tessera / bare got: ${(tessera.perSecond / ceiling.perSecond).toFixed(2)}×`,
      `statements per delivery: ${(tessera.statements / DELIVERIES).toFixed(2)} (the events' own inserts included)`,
      '',
    ].join('\n'),
  );
} finally {
  receiver.close();
  await database.drop();
  await postgres.stop();
}
