// Workday end to end against a local fake: a custom report (RaaS, Basic) as a full run with leavers
// by status column; the REST workers API paged by offset and total with the refresh-token grant, a
// rotated refresh token stored with the first page, a 429 with Retry-After mid-sync, and a worker
// process killed mid-run whose sync resumes from its offset with no member lost or created twice.
import t from 'tap';
import { type FakeWorkday, reportEntries, startFakeWorkday, workdayWorkers } from '../fakes/workday.ts';
import { killAndResume, syncToEnd, workerEnv } from '../helpers/connectors.ts';
import { spawnServer } from '../helpers/process.ts';
import { apiClient, startTestTessera } from '../helpers/tessera.ts';

const raas = (fake: FakeWorkday) => ({
  type: 'workday',
  name: 'workday-report',
  config: {
    baseUrl: fake.url,
    tenant: fake.tenant,
    source: 'raas',
    report: { owner: 'ISU_Tessera', name: 'Tessera_Recipients' },
    fields: { externalRef: 'Employee_ID', name: 'Legal_Name', email: 'Email_Work' },
    attributes: { costCenter: 'Cost_Center', hireDate: 'Hire_Date' },
    status: { field: 'Active_Status', inactive: ['0'] },
  },
  credentials: fake.isu,
});

const rest = (fake: FakeWorkday) => ({
  type: 'workday',
  name: 'workday-rest',
  config: {
    baseUrl: fake.url,
    tenant: fake.tenant,
    source: 'rest',
    fields: { externalRef: 'workerId', name: 'descriptor', email: 'primaryWorkEmail' },
    attributes: { organization: 'primarySupervisoryOrganization.descriptor', title: 'businessTitle' },
  },
  credentials: { ...fake.client, refreshToken: fake.refreshToken },
});

t.test(
  'a custom report is a full run each time; a worker whose status turns inactive is deactivated',
  async (t) => {
    const fake = await startFakeWorkday();
    t.teardown(() => fake.close());
    const app = await startTestTessera(t);
    fake.report = reportEntries(2300);
    const created = await app.api('POST', '/v1/connections', { body: raas(fake) });
    t.equal(created.status, 201, JSON.stringify(created.body));
    t.same((await app.api('POST', `/v1/connections/${created.body.id}/check`)).body, { ok: true });
    const first = await syncToEnd(app.api, created.body.id);
    t.same(first.counts, {
      fetched: 2300,
      created: 2300,
      updated: 0,
      unchanged: 0,
      deactivated: 0,
      skipped: 0,
      failed: 0,
    });
    t.match((await app.api('GET', '/v1/members/E00042')).body, {
      name: 'Employee 42',
      email: 'employee.42@example.com',
      status: 'active',
      attributes: { costCenter: 'CC-200 Stores', hireDate: '2022-03-15' },
    });
    fake.report[42].Active_Status = '0';
    fake.report[43].Cost_Center = 'CC-300 Finance';
    const second = await syncToEnd(app.api, created.body.id);
    t.same(second.counts, {
      fetched: 2300,
      created: 0,
      updated: 2,
      unchanged: 2298,
      deactivated: 1,
      skipped: 0,
      failed: 0,
    });
    t.equal((await app.api('GET', '/v1/members/E00042')).body.status, 'inactive');
    // A run that died at an offset the report has since shrunk below starts over, skipping no one.
    await app
      .db('connections')
      .where({ id: created.body.id })
      .update({ cursor: { offset: 5000 } });
    const shrunk = await syncToEnd(app.api, created.body.id);
    t.same(shrunk.counts, {
      fetched: 2300,
      created: 0,
      updated: 0,
      unchanged: 2300,
      deactivated: 0,
      skipped: 0,
      failed: 0,
    });
    t.equal((await app.db('connections').where({ id: created.body.id }).first()).cursor, null);
    t.ok(fake.calls.every((call) => !call.includes('customreport2') || call.endsWith('?format=json')));
  },
);

t.test(
  'REST pages by offset until total; a rotated refresh token is stored and used next time',
  async (t) => {
    const fake = await startFakeWorkday();
    t.teardown(() => fake.close());
    const app = await startTestTessera(t, { TESSERA_CONNECTOR_BACKOFF_MS: '50' });
    fake.workers = workdayWorkers(250);
    fake.rotate = true;
    const created = await app.api('POST', '/v1/connections', { body: rest(fake) });
    fake.failNext.push({ status: 429, retryAfter: '1' });
    const first = await syncToEnd(app.api, created.body.id);
    t.equal(first.status, 'succeeded', JSON.stringify(first.failure));
    t.same(first.counts, {
      fetched: 250,
      created: 250,
      updated: 0,
      unchanged: 0,
      deactivated: 0,
      skipped: 0,
      failed: 0,
    });
    const pages = fake.calls.filter((call) => call.startsWith('GET /ccx/api/v1/'));
    t.same(
      pages.map((call) => call.split('?')[1]),
      ['limit=100&offset=0', 'limit=100&offset=0', 'limit=100&offset=100', 'limit=100&offset=200'],
      'the throttled page again, then on until offset + data reaches total',
    );
    t.match((await app.api('GET', '/v1/members/W00007')).body.attributes, {
      organization: 'Sales',
      title: 'Associate',
    });
    const stored = await app.db('connections').where({ id: created.body.id }).first();
    t.notOk(stored.credentials.includes(fake.refreshToken), 'the new refresh token is sealed');

    // The old refresh token no longer works at Workday: the second run and a check succeed only with the
    // stored new one, and each rotates it again.
    const second = await syncToEnd(app.api, created.body.id);
    t.equal(second.status, 'succeeded', JSON.stringify(second.failure));
    t.equal(second.counts.unchanged, 250);
    t.same((await app.api('POST', `/v1/connections/${created.body.id}/check`)).body, { ok: true });
    t.equal(
      (await syncToEnd(app.api, created.body.id)).status,
      'succeeded',
      'the check stored what it rotated',
    );
  },
);

t.test('a worker killed mid-run: the next run resumes from the committed offset', async (t) => {
  const fake = await startFakeWorkday();
  t.teardown(() => fake.close());
  fake.workers = workdayWorkers(600);
  fake.pageDelayMs = 700;
  const { env, adminKey } = await workerEnv(t);
  const process = await spawnServer(env);
  const api = apiClient(process.url, adminKey);
  const id = (await api('POST', '/v1/connections', { body: rest(fake) })).body.id;
  const runId = (await api('POST', `/v1/connections/${id}/sync`)).body.runId;
  const { runs, api: again } = await killAndResume(t, { process, env, adminKey }, id, runId, 200, () => {
    fake.pageDelayMs = 0;
  });
  t.equal(runs.length, 2, JSON.stringify(runs));
  t.equal(runs[1].failure?.code, 'interrupted');
  t.equal(runs[0].counts.created + runs[1].counts.created, 600, 'every worker created once');
  const offsets = fake.calls
    .filter((call) => call.includes('/workers?'))
    .map((call) => call.split('offset=')[1]);
  t.notOk(offsets.slice(-3).includes('0'), `the resumed run starts past the committed pages: ${offsets}`);
  const refs = new Set<string>();
  for (let cursor = ''; ; ) {
    const page = (await again('GET', `/v1/members?limit=100${cursor}`)).body;
    for (const member of page.data) refs.add(member.externalRef);
    if (!page.nextCursor) break;
    cursor = `&cursor=${page.nextCursor}`;
  }
  t.equal(refs.size, 600, 'no worker lost');
});
