// `npm run bench -- uploads`: a generated file of 1,000,000 rows (BENCH_ROWS) sent to a Tessera process:
// the time from the upload to `validated` and the server's peak RSS meanwhile; in the same run, PostgreSQL
// COPY of the same file into a plain table, the ceiling; then the dispatch rate of the first 20,000 rows
// (BENCH_DISPATCH_ROWS) in rows a second.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createTestDatabase, startTestPostgres } from '../helpers/postgres.ts';
import { benchServer, machine, resetPeak, rss } from './load.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const DISPATCH_ROWS = Number(process.env.BENCH_DISPATCH_ROWS ?? 20_000);

function* lines(count: number) {
  yield 'memberRef,name,email,points,note,rowKey\n';
  for (let i = 0; i < count; i++)
    yield `E${i},Employee ${i},employee.${i}@example.com,${(i % 900) + 100},Q3 incentive,q3-${i}\n`;
}

const file = (count: number) => Buffer.from([...lines(count)].join(''));

async function copyCeiling(url: string, body: Buffer) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      'CREATE TABLE bench_copy (member_ref text, name text, email text, points text, note text, row_key text)',
    );
    const started = performance.now();
    await pipeline(
      Readable.from([body]),
      client.query(copyFrom('COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER)')),
    );
    return (performance.now() - started) / 1000;
  } finally {
    await client.end();
  }
}

type Api = Awaited<ReturnType<typeof benchServer>>['api'];

async function until(
  api: Api,
  id: string,
  done: (upload: { status: string; counts: Record<string, number> }) => boolean,
) {
  for (;;) {
    const upload = (await api('GET', `/v1/uploads/${id}`)).body;
    if (done(upload)) return upload;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function campaign(api: Api) {
  const created = await api('POST', '/v1/campaigns', {
    body: {
      name: 'Q3 incentive',
      startsAt: '2026-01-01T00:00:00Z',
      endsAt: '2099-01-01T00:00:00Z',
      trigger: { eventType: 'hr.anniversary', rule: { type: 'each' } },
      reward: { type: 'points', amount: 100 },
    },
  });
  await api('POST', `/v1/campaigns/${created.body.id}/activate`);
  return created.body.id as string;
}

async function send(server: { url: string }, adminKey: string, path: string, body: Buffer) {
  const response = await fetch(server.url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'text/csv' },
    body,
  });
  const answer = await response.json();
  if (response.status !== 202) throw new Error(`upload refused: ${JSON.stringify(answer)}`);
  return answer as { id: string };
}

const postgres = await startTestPostgres(true);
const database = await createTestDatabase(postgres.adminUrl, postgres.template);
try {
  const { server, api, adminKey } = await benchServer(database.url);
  try {
    const campaignId = await campaign(api);
    const body = file(ROWS);
    const pid = server.child.pid as number;
    const before = rss(pid, 'VmRSS');
    resetPeak(pid);
    const started = performance.now();
    const upload = await send(server, adminKey, `/v1/uploads?campaignId=${campaignId}`, body);
    const staged = (performance.now() - started) / 1000;
    const validated = await until(api, upload.id, (u) => u.status === 'validated');
    const seconds = (performance.now() - started) / 1000;
    const peak = rss(pid, 'VmHWM');
    if (validated.counts.valid !== ROWS)
      throw new Error(`not every row is valid: ${JSON.stringify(validated)}`);
    const ceiling = await copyCeiling(database.url, body);

    const small = await send(server, adminKey, `/v1/uploads?campaignId=${campaignId}`, file(DISPATCH_ROWS));
    await until(api, small.id, (u) => u.status === 'validated');
    const dispatchStarted = performance.now();
    await api('POST', `/v1/uploads/${small.id}/approve`);
    await until(api, small.id, (u) => u.status === 'dispatched');
    const dispatchSeconds = (performance.now() - dispatchStarted) / 1000;

    process.stdout.write(
      [
        `\nUploads benchmark: a ${ROWS}-row file (${(body.length / 2 ** 20).toFixed(1)} MiB)`,
        `machine: ${machine()}`,
        '',
        '| run | rows | seconds | rows/s |',
        '|---|---:|---:|---:|',
        `| Tessera: upload to validated (COPY staging + every check) | ${ROWS} | ${seconds.toFixed(1)} | ${(ROWS / seconds).toFixed(0)} |`,
        `| of which the upload itself (read, checked row by row, staged by COPY) | ${ROWS} | ${staged.toFixed(1)} | ${(ROWS / staged).toFixed(0)} |`,
        `| PostgreSQL COPY of the same file into a plain table (ceiling) | ${ROWS} | ${ceiling.toFixed(1)} | ${(ROWS / ceiling).toFixed(0)} |`,
        `| Tessera: dispatch after approval (issuances + ledger credits) | ${DISPATCH_ROWS} | ${dispatchSeconds.toFixed(1)} | ${(DISPATCH_ROWS / dispatchSeconds).toFixed(0)} |`,
        '',
        `upload to validated / COPY: ${(ceiling / seconds).toFixed(2)}×`,
        `server RSS before the upload: ${before.toFixed(0)} MiB; peak until validated: ${peak.toFixed(0)} MiB`,
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
