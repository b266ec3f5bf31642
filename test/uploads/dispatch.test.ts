// Uploads at size and under failure: a 100,000-row file staged and validated, and a dispatch whose worker
// is killed mid-way resumed by another process with every row issued exactly once.
import t from 'tap';
import { openDatabase } from '../../core/db/database.ts';
import { workerEnv } from '../helpers/connectors.ts';
import { createTestDatabase, startTestPostgres } from '../helpers/postgres.ts';
import { spawnServer } from '../helpers/process.ts';
import { apiClient, startTestTessera } from '../helpers/tessera.ts';

type Api = ReturnType<typeof apiClient>;

async function until(
  api: Api,
  id: string,
  done: (upload: { status: string; counts: Record<string, number> }) => boolean,
) {
  for (let i = 0; i < 1200; i++) {
    const upload = (await api('GET', `/v1/uploads/${id}`)).body;
    if (done(upload)) return upload;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`upload ${id} did not get there`);
}

async function campaign(api: Api) {
  const created = await api('POST', '/v1/campaigns', {
    body: {
      name: 'Recognition',
      startsAt: '2026-01-01T00:00:00Z',
      endsAt: '2027-12-31T00:00:00Z',
      trigger: { eventType: 'pos.visit', rule: { type: 'each' } },
      reward: { type: 'points', amount: 10 },
    },
  });
  await api('POST', `/v1/campaigns/${created.body.id}/activate`);
  return created.body.id as string;
}

t.test('a 100,000-row file is staged and validated', async (t) => {
  // A PostgreSQL of its own: the suite's other files read committed events right after writing them,
  // and this upload's transactions, short as they are, would hold those reads back for a moment.
  const own = await startTestPostgres();
  t.teardown(() => own.stop());
  const database = await createTestDatabase(own.adminUrl, own.template);
  const app = await startTestTessera(t, {}, async () => database.url);
  const id = await campaign(app.api);
  const rows = Array.from({ length: 100_000 }, (_, i) => `R${i},Person ${i},${(i % 500) + 1}`);
  const sent = await app.api('POST', `/v1/uploads?campaignId=${id}`, {
    raw: `memberRef,name,points\n${rows.join('\n')}\n`,
    headers: { 'content-type': 'text/csv' },
  });
  t.equal(sent.status, 202, JSON.stringify(sent.body));
  const validated = await until(app.api, sent.body.id, (u) => u.status === 'validated');
  t.same(validated.counts, { read: 100_000, valid: 100_000, invalid: 0, dispatched: 0, refused: 0 });
});

t.test('a worker killed during dispatch: another resumes, every row issued once', async (t) => {
  const { env, adminKey } = await workerEnv(t);
  const withBatches = { ...env, TESSERA_UPLOAD_BATCH_ROWS: '50' };
  const first = await spawnServer(withBatches);
  const api = apiClient(first.url, adminKey);
  const id = await campaign(api);
  const rows = Array.from({ length: 800 }, (_, i) => `K${i},${i + 1}`);
  const sent = await api('POST', `/v1/uploads?campaignId=${id}`, {
    raw: `memberRef,points\n${rows.join('\n')}\n`,
    headers: { 'content-type': 'text/csv' },
  });
  await until(api, sent.body.id, (u) => u.status === 'validated');
  await api('POST', `/v1/uploads/${sent.body.id}/approve`);
  await until(api, sent.body.id, (u) => u.counts.dispatched >= 200);
  await first.stop('SIGKILL');
  const second = await spawnServer(withBatches);
  t.teardown(() => second.stop('SIGKILL'));
  const again = apiClient(second.url, adminKey);
  const done = await until(again, sent.body.id, (u) => u.status === 'dispatched');
  t.equal(done.counts.dispatched, 800);
  const db = openDatabase(env.DATABASE_URL, 2);
  t.teardown(() => db.destroy());
  const issued = await db('issuances').where({ uploadId: sent.body.id }).count('* as n').first();
  t.equal(Number(issued?.n), 800, 'one issuance per row');
  const credited = await db('ledgerTransfers').where({ source: 'upload' }).sum('amount as total').first();
  t.equal(Number(credited?.total), (800 * 801) / 2, "each row's points credited once");
});
