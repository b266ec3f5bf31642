// `npm run bench -- redemptions`: 1,000,000 redemption records over 90 days, 10 partners and 50 offers.
// Printed: the stats' latency per groupBy over 90 days, first from the rows alone and then from the daily
// aggregates (after a rollup), and an export's throughput (rows/s, the server's peak RSS) against a plain
// `COPY … TO` of the same rows and columns in the same run, with the ratio.

import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { openDatabase } from '../../core/db/database.ts';
import { rollUp } from '../../core/redemptions/stats.ts';
import { createTestDatabase, startTestPostgres } from '../helpers/postgres.ts';
import { benchServer, machine, resetPeak, rss } from './load.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const TRIES = 5;
const GROUPS = ['day', 'partner', 'offer', 'channel', 'tier', 'validationMethod'];

async function seed(url: string) {
  const db = openDatabase(url, 2);
  try {
    const tenant = await db('tenants').where({ name: 'default' }).first('id');
    const partners = await db('partners')
      .insert(
        Array.from({ length: 10 }, (_, i) => ({ tenantId: tenant.id, name: `Partner ${i}`, stage: 'live' })),
      )
      .returning('id');
    const offers = await db('offers')
      .insert(
        Array.from({ length: 50 }, (_, i) => ({
          tenantId: tenant.id,
          partnerId: partners[i % 10].id,
          name: `Offer ${i}`,
          type: 'gift_card',
          currency: 'INR',
          denominations: JSON.stringify({ fixed: [100, 500, 1000] }),
          expiryDays: 90,
        })),
      )
      .returning(['id', 'partnerId']);
    for (let start = 0; start < ROWS; start += 100_000) {
      await db.raw(
        `INSERT INTO redemptions (tenant_id, offer_id, partner_id, member_ref, tier_token, channel, validation_method,
                                  status, amount, store_id, occurred_at, updated_at)
         SELECT CAST(? AS uuid), o.id, o.partner_id, 'member-' || (g % 50000),
                'tier_' || (g % 4), (ARRAY['online','in_store','app','call_centre'])[1 + g % 4],
                (ARRAY['otp','pin','qr','code','none'])[1 + g % 5],
                CASE WHEN g % 20 = 0 THEN 'failed' ELSE 'successful' END,
                (ARRAY[100, 500, 1000])[1 + g % 3], 'S-' || (g % 300),
                now() - make_interval(secs => ((CAST(g AS bigint) * 7919) % (90 * 86400))), now() - interval '1 hour'
           FROM generate_series(CAST(? AS integer), CAST(? AS integer)) g
           JOIN (SELECT row_number() OVER () - 1 AS n, id, partner_id FROM (VALUES ${offers
             .map(() => '(CAST(? AS uuid), CAST(? AS uuid))')
             .join(', ')}) v(id, partner_id)) o ON o.n = g % 50`,
        [
          tenant.id,
          start,
          Math.min(start + 100_000, ROWS) - 1,
          ...offers.flatMap((o) => [o.id, o.partnerId]),
        ],
      );
    }
    await db.raw('ANALYZE redemptions');
    return tenant.id as string;
  } finally {
    await db.destroy();
  }
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function statsLatency(url: string, key: string) {
  const from = new Date(Date.now() - 91 * 86_400_000).toISOString().slice(0, 10);
  const to = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const figures: Record<string, { p50: number; max: number; groups: number }> = {};
  for (const groupBy of GROUPS) {
    const times: number[] = [];
    let groups = 0;
    for (let i = 0; i < TRIES; i++) {
      const started = performance.now();
      const response = await fetch(`${url}/v1/redemptions/stats?groupBy=${groupBy}&from=${from}&to=${to}`, {
        headers: { authorization: `Bearer ${key}` },
      });
      const body = (await response.json()) as { data: unknown[] };
      if (response.status !== 200) throw new Error(`stats: ${JSON.stringify(body)}`);
      times.push(performance.now() - started);
      groups = body.data.length;
    }
    times.sort((a, b) => a - b);
    figures[groupBy] = { p50: percentile(times, 50), max: times[times.length - 1], groups };
  }
  return figures;
}

// Streams the export and counts its bytes and lines.
async function exportThroughput(url: string, key: string, pid: number) {
  resetPeak(pid);
  const before = rss(pid, 'VmRSS');
  const started = performance.now();
  const response = await fetch(`${url}/v1/redemptions/export?profile=compliance&format=csv`, {
    headers: { authorization: `Bearer ${key}` },
  });
  let bytes = 0;
  let lines = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    for (const byte of chunk) if (byte === 10) lines += 1;
  }
  const seconds = (performance.now() - started) / 1000;
  return { rows: lines - 1, bytes, seconds, before, peak: rss(pid, 'VmHWM') };
}

// The same rows and columns with COPY … TO STDOUT, read by this process.
async function copyCeiling(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    let bytes = 0;
    const started = performance.now();
    await pipeline(
      client.query(
        copyTo(`COPY (SELECT o.name, p.name, r.amount, r.occurred_at, r.validation_method, r.status
                        FROM redemptions r JOIN offers o ON o.id = r.offer_id JOIN partners p ON p.id = r.partner_id
                       ORDER BY r.id) TO STDOUT WITH (FORMAT csv, HEADER)`),
      ),
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          bytes += chunk.length;
          done();
        },
      }),
    );
    return { bytes, seconds: (performance.now() - started) / 1000 };
  } finally {
    await client.end();
  }
}

const postgres = await startTestPostgres(true);
const database = await createTestDatabase(postgres.adminUrl, postgres.template);
try {
  // The server makes the default tenant the rows belong to.
  const { server, adminKey } = await benchServer(database.url);
  try {
    process.stdout.write(`Writing ${ROWS} redemptions...\n`);
    const tenantId = await seed(database.url);
    const pid = server.child.pid as number;
    const fromRows = await statsLatency(server.url, adminKey);
    const db = openDatabase(database.url, 2);
    const rollStarted = performance.now();
    await rollUp(db, tenantId);
    const rollSeconds = (performance.now() - rollStarted) / 1000;
    await db.destroy();
    const fromAggregates = await statsLatency(server.url, adminKey);
    const exported = await exportThroughput(server.url, adminKey, pid);
    const ceiling = await copyCeiling(database.url);
    const exportRate = exported.rows / exported.seconds;
    const copyRate = ROWS / ceiling.seconds;
    process.stdout.write(
      [
        `\nRedemptions benchmark: ${ROWS} redemptions over 90 days, 10 partners, 50 offers`,
        `machine: ${machine()}`,
        '',
        `| groupBy | groups | from the rows: p50 ms | max ms | from daily aggregates: p50 ms | max ms |`,
        '|---|---:|---:|---:|---:|---:|',
        ...GROUPS.map(
          (g) =>
            `| ${g} | ${fromRows[g].groups} | ${fromRows[g].p50.toFixed(1)} | ${fromRows[g].max.toFixed(1)} | ${fromAggregates[g].p50.toFixed(1)} | ${fromAggregates[g].max.toFixed(1)} |`,
        ),
        '',
        `rollup of ${ROWS} settled redemptions into daily aggregates: ${rollSeconds.toFixed(1)} s`,
        '',
        '| export | rows | MiB | seconds | rows/s |',
        '|---|---:|---:|---:|---:|',
        `| GET /v1/redemptions/export (compliance, CSV) | ${exported.rows} | ${(exported.bytes / 2 ** 20).toFixed(1)} | ${exported.seconds.toFixed(1)} | ${exportRate.toFixed(0)} |`,
        `| COPY … TO STDOUT of the same rows (ceiling) | ${ROWS} | ${(ceiling.bytes / 2 ** 20).toFixed(1)} | ${ceiling.seconds.toFixed(1)} | ${copyRate.toFixed(0)} |`,
        '',
        `export / COPY: ${(exportRate / copyRate).toFixed(2)}×`,
        `server RSS: ${exported.before.toFixed(0)} MiB before the export, peak ${exported.peak.toFixed(0)} MiB during it`,
        '',
      ].join('\n'),
    );
  } finally {
    await server.stop();
  }
} finally {
  await database.drop();
  await postgres.stop();
}
