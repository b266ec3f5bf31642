// `npm run bench -- live`: 10,000 websocket clients on one Tessera process while events commit at
// 1,000/s for 10 s. 9,900 clients watch one member each (a balance widget), 100 watch the whole ledger
// (wall dashboards). Prints events delivered per second, p50/p99 from commit to client, and the
// server's memory: before any client, with every client connected and idle, and at its peak.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import WebSocket from 'ws';
import { createTestDatabase, startTestPostgres } from '../helpers/postgres.ts';
import { spawnServer } from '../helpers/process.ts';
import { machine } from './load.ts';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 10_000);
const WALLS = Number(process.env.BENCH_WALLS ?? 100);
// Clients connecting at once: a burst of handshakes, as after a deploy, without exhausting the backlog.
const CONNECTING = 100;
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const TICK_MS = 10;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function connect(url: string, key: string, filter: object): Promise<WebSocket> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/live`, {
    headers: { authorization: `Bearer ${key}` },
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'subscribe', channels: ['ledger'], filter }));
  return ws;
}

async function serverMemoryMiB(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = /^tessera_process_resident_memory_bytes (\d+(\.\d+)?(e\+\d+)?)/m.exec(text);
  return match ? Number(match[1]) / 2 ** 20 : Number.NaN;
}

const postgres = await startTestPostgres(true);
const database = await createTestDatabase(postgres.adminUrl, postgres.template);
const adminKey = `tsk_bench_${randomBytes(16).toString('hex')}`;
const server = await spawnServer({
  DATABASE_URL: database.url,
  LOG_LEVEL: 'warn',
  TESSERA_ADMIN_KEY: adminKey,
  TESSERA_ROLES: 'api',
});
const pool = new pg.Pool({ connectionString: database.url, max: 4 });
try {
  const tenantId = (await pool.query(`SELECT id FROM tenants WHERE name = 'default'`)).rows[0].id;
  const members = CLIENTS - WALLS;
  const committedAt = new Map<string, number>();
  const latencies: number[] = [];
  let delivered = 0;
  // The event's id is the first "id" of an event message: read without parsing the whole message, so
  // that the clients' side of this one machine stays light.
  const received = (data: WebSocket.RawData) => {
    const text = data.toString();
    if (!text.startsWith('{"type":"event"')) return;
    delivered++;
    const from = text.indexOf('"id":"') + 6;
    const at = committedAt.get(text.slice(from, text.indexOf('"', from)));
    if (at !== undefined) latencies.push(performance.now() + performance.timeOrigin - at);
  };
  // Warm up the server (its key cache, a first socket) before reading its memory without clients.
  (await connect(server.url, adminKey, { memberRef: 'warm-up' })).close();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const bare = await serverMemoryMiB(server.url);
  const sockets: WebSocket[] = [];
  for (let first = 0; first < CLIENTS; first += CONNECTING) {
    const batch = Array.from({ length: Math.min(CONNECTING, CLIENTS - first) }, (_, k) => first + k);
    const opened = await Promise.all(
      batch.map((i) => connect(server.url, adminKey, i < WALLS ? {} : { memberRef: `m-${i - WALLS}` })),
    );
    for (const ws of opened) ws.on('message', received);
    sockets.push(...opened);
  }
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const idle = await serverMemoryMiB(server.url);
  const perClientKiB = ((idle - bare) * 1024) / CLIENTS;
  process.stdout.write(`${CLIENTS} clients connected; committing ${RATE} events/s for ${SECONDS} s...\n`);

  // Events commit in small batches on a steady clock; each batch's commit time is what latency counts from.
  const perTick = (RATE * TICK_MS) / 1000;
  const started = performance.now();
  let committed = 0;
  let peak = idle;
  for (let tick = 0; committed < RATE * SECONDS; tick++) {
    const rows = Array.from({ length: perTick }, (_, k) => `m-${(committed + k) % members}`);
    const result = await pool.query(
      `INSERT INTO events (tenant_id, type, subject, data)
       SELECT $1, 'ledger.credited', ref, jsonb_build_object('memberRef', ref, 'amount', 10) FROM unnest($2::text[]) ref
       RETURNING id`,
      [tenantId, rows],
    );
    const at = performance.now() + performance.timeOrigin;
    for (const row of result.rows) committedAt.set(String(row.id), at);
    committed += rows.length;
    if (tick % 100 === 0) peak = Math.max(peak, await serverMemoryMiB(server.url));
    const wait = started + (tick + 1) * TICK_MS - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  const expected = committed * WALLS + committed;
  const deadline = performance.now() + 30_000;
  while (delivered < expected && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const elapsed = (performance.now() - started) / 1000;
  peak = Math.max(peak, await serverMemoryMiB(server.url));
  latencies.sort((a, b) => a - b);
  for (const ws of sockets) ws.close();
  process.stdout.write(
    [
      '\nLive feed benchmark: events committed → websocket clients',
      `machine: ${machine()}`,
      `${CLIENTS} clients (${WALLS} receive every event, ${members} one member each), ${committed} events at ${RATE}/s`,
      '',
      '| events committed | messages expected | messages delivered | delivered/s | p50 ms commit→client | p99 ms commit→client | server RSS no clients MiB | idle clients MiB | peak MiB |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      `| ${committed} | ${expected} | ${delivered} | ${(delivered / elapsed).toFixed(0)} | ${percentile(latencies, 50).toFixed(1)} | ${percentile(latencies, 99).toFixed(1)} | ${bare.toFixed(0)} | ${idle.toFixed(0)} | ${peak.toFixed(0)} |`,
      '',
      `p99 commit→client: ${percentile(latencies, 99).toFixed(1)} ms`,
      `server RSS growth per idle client: ${perClientKiB.toFixed(1)} KiB`,
      '',
    ].join('\n'),
  );
} finally {
  await pool.end();
  await server.stop();
  await database.drop();
  await postgres.stop();
}
