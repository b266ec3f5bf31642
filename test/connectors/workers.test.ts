// Contact syncs run by real worker processes on one database: one run per connection however many
// processes are asked, a worker killed mid-run resumed from its last committed page, and no credential
// in any process's log.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { contacts, type FakeSalesforce, startFakeSalesforce } from '../fakes/salesforce.ts';
import { type ServerProcess, spawnServer } from '../helpers/process.ts';
import { apiClient, freshDatabaseUrl, TEST_SECRET_KEY } from '../helpers/tessera.ts';

type Test = Parameters<typeof freshDatabaseUrl>[0];
type Api = ReturnType<typeof apiClient>;

async function cluster(t: Test) {
  const adminKey = `tsk_test_${randomBytes(16).toString('hex')}`;
  const env = {
    DATABASE_URL: await freshDatabaseUrl(t),
    TESSERA_ADMIN_KEY: adminKey,
    TESSERA_SECRET_KEY: TEST_SECRET_KEY,
    TESSERA_WEBHOOK_RECOVERY_SECONDS: '1',
    // Everything a process says, so that a credential said at any level is found.
    LOG_LEVEL: 'debug',
  };
  const started: ServerProcess[] = [];
  t.teardown(() => Promise.all(started.map((p) => p.stop('SIGKILL'))));
  const start = async () => {
    const process = await spawnServer({ ...env, TESSERA_ROLES: 'api,worker' });
    started.push(process);
    return process;
  };
  return { start, started, api: (url: string) => apiClient(url, adminKey) };
}

async function waitFor<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function createConnection(api: Api, fake: FakeSalesforce) {
  const created = await api('POST', '/v1/connections', {
    body: {
      type: 'salesforce',
      name: 'crm-workers',
      config: { loginUrl: fake.url, contacts: { object: 'Contact' } },
      credentials: { clientId: fake.clientId, clientSecret: fake.clientSecret },
    },
  });
  if (created.status !== 201) throw new Error(JSON.stringify(created.body));
  return created.body.id as string;
}

const finished = (api: Api, runId: string) =>
  waitFor(async () => {
    const run = (await api('GET', `/v1/connector-runs/${runId}`)).body;
    return run.status === 'succeeded' || run.status === 'failed' ? run : undefined;
  }, `run ${runId} to finish`);

t.test('two worker processes asked at once: one run, exact counts, no credential logged', async (t) => {
  const fake = await startFakeSalesforce();
  t.teardown(() => fake.close());
  fake.objects.set('Contact', contacts(3000));
  fake.pageDelayMs = 300;
  const { start, started, api } = await cluster(t);
  const [one, two] = await Promise.all([start(), start()]);
  const id = await createConnection(api(one.url), fake);

  const asked = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      api(i % 2 ? one.url : two.url)('POST', `/v1/connections/${id}/sync`),
    ),
  );
  t.same(new Set(asked.map((r) => r.status)), new Set([202]));
  const runIds = new Set(asked.map((r) => r.body.runId));
  t.equal(runIds.size, 1, 'one run, whichever process was asked');
  // Asked again while it runs, either process answers the same run.
  const during = await api(two.url)('POST', `/v1/connections/${id}/sync`);
  t.equal(during.body.runId, [...runIds][0]);
  const run = await finished(api(one.url), [...runIds][0]);
  t.equal(run.status, 'succeeded', JSON.stringify(run.failure));
  t.same(run.counts, {
    fetched: 3000,
    created: 3000,
    updated: 0,
    unchanged: 0,
    deactivated: 0,
    skipped: 0,
    failed: 0,
  });
  const runs = (await api(two.url)('GET', `/v1/connections/${id}/runs`)).body.data;
  t.equal(runs.length, 1, 'no second run was queued');

  const logs = started.map((p) => p.output()).join('\n');
  t.ok(logs.includes(run.id), 'the processes did log the run');
  t.notOk(logs.includes(fake.clientSecret), 'the client secret is in no log');
  t.ok(fake.issuedTokens.length > 0, 'tokens were issued to look for');
  t.notOk(
    fake.issuedTokens.some((token) => logs.includes(token)),
    'no access token is in any log',
  );
});

t.test('a worker killed mid-run: another resumes after the last committed page', async (t) => {
  const fake = await startFakeSalesforce();
  t.teardown(() => fake.close());
  const people = contacts(6000);
  fake.objects.set('Contact', people);
  // Slow pages: the run is surely between pages when its worker is killed.
  fake.pageDelayMs = 1500;
  const { start, api } = await cluster(t);
  const first = await start();
  const id = await createConnection(api(first.url), fake);
  const runId = (await api(first.url)('POST', `/v1/connections/${id}/sync`)).body.runId as string;
  await waitFor(async () => {
    const run = (await api(first.url)('GET', `/v1/connector-runs/${runId}`)).body;
    return run.counts.fetched >= 2000 ? run : undefined;
  }, 'the first page to commit');
  await first.stop('SIGKILL');
  fake.pageDelayMs = 0;

  const second = await start();
  const call = api(second.url);
  const resumed = await waitFor(async () => {
    const runs = (await call('GET', `/v1/connections/${id}/runs`)).body.data;
    return runs.length === 2 && runs[0].status === 'succeeded' ? runs : undefined;
  }, 'a fresh run to finish');
  t.equal(resumed[1].id, runId);
  t.equal(resumed[1].status, 'failed');
  t.equal(resumed[1].failure.code, 'interrupted');
  const cursor = people[1999].SystemModstamp as string;
  t.match(
    fake.queries.at(-1),
    `WHERE SystemModstamp >= ${new Date(cursor).toISOString()}`,
    'from the cursor',
  );
  t.equal(resumed[0].counts.created + resumed[1].counts.created, 6000, 'every contact created once');
  t.ok(resumed[1].counts.created >= 2000, 'the killed run’s committed pages stayed');
});
