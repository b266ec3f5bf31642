// SAP SuccessFactors end to end against a local fake that speaks OData v2: the SAML bearer grant with a
// signed assertion, Basic, server-side paging by __next, both date forms, inactive users deactivating
// their members, deltas by lastModifiedDateTime, and a 429 with Retry-After mid-sync.
import t from 'tap';
import { type FakeSuccessFactors, sfUsers, startFakeSuccessFactors } from '../fakes/successfactors.ts';
import { activeCampaign, eventPoster } from '../helpers/campaigns.ts';
import { syncToEnd } from '../helpers/connectors.ts';
import { startTestTessera, type TestTessera } from '../helpers/tessera.ts';

async function setUp(test: { teardown: (fn: () => unknown) => void }) {
  const fake = await startFakeSuccessFactors();
  test.teardown(() => fake.close());
  const app = await startTestTessera(test, { TESSERA_CONNECTOR_BACKOFF_MS: '50' });
  return { fake, app };
}

const connection = (fake: FakeSuccessFactors, basic = false) => ({
  type: 'successfactors',
  name: `hr-${Math.random().toString(36).slice(2, 8)}`,
  config: {
    apiServer: fake.url,
    companyId: fake.companyId,
    ...(basic ? { auth: 'basic' } : { userId: fake.apiUser }),
    attributes: { department: 'department', division: 'division', hireDate: 'hireDate', grade: 'custom01' },
  },
  credentials: basic ? fake.basic : { clientId: fake.clientId, privateKey: fake.privateKey },
});

const sync = (app: TestTessera, id: string) => syncToEnd(app.api, id);

t.test(
  'users sync in server-side pages with a SAML bearer token; a delta takes only changes and leavers',
  async (t) => {
    const { fake, app } = await setUp(t);
    fake.users = sfUsers(2500);
    fake.users[3].status = 'f'; // already gone before the first sync
    const created = await app.api('POST', '/v1/connections', { body: connection(fake) });
    t.equal(created.status, 201, JSON.stringify(created.body));
    t.same((await app.api('POST', `/v1/connections/${created.body.id}/check`)).body, { ok: true });

    const first = await sync(app, created.body.id);
    t.equal(first.status, 'succeeded', JSON.stringify(first.failure));
    t.same(first.counts, {
      fetched: 2500,
      created: 2500,
      updated: 0,
      unchanged: 0,
      deactivated: 0,
      skipped: 0,
      failed: 0,
    });
    t.equal(fake.queries.length, 3 + 1, 'the check, then three pages of up to 1,000');
    const [opening, ...following] = fake.queries.slice(1);
    t.match(decodeURIComponent(opening), /\$filter=status in 't','f','T','F'&/);
    t.notMatch(opening, /\$top|\$skip=/, 'no client-side paging');
    t.ok(
      following.every((q) => /^\?\$format=json&\$skiptoken=\w+$/.test(q)),
      'the __next links as given',
    );
    const grant = fake.tokenRequests.at(-1) as Record<string, string>;
    t.match(grant, {
      company_id: fake.companyId,
      grant_type: 'urn:ietf:params:oauth:grant-type:saml2-bearer',
    });

    const seven = (await app.api('GET', '/v1/members/emp000007')).body;
    t.match(seven, {
      name: 'Employee 7',
      email: 'employee.7@example.com',
      status: 'active',
      attributes: { department: 'Sales', division: 'Retail', hireDate: '2023-08-08', grade: 'grade-2' },
    });
    t.equal(
      (await app.api('GET', '/v1/members/emp000003')).body.status,
      'inactive',
      'inactive users are read',
    );

    // A delta: one user changes department, one leaves; nothing else is read.
    const later = Date.UTC(2026, 5, 1);
    Object.assign(fake.users[10], { department: 'Finance', lastModified: later });
    Object.assign(fake.users[11], { status: 'f', lastModified: later + 1 });
    const campaign = await activeCampaign(app, {});
    const second = await sync(app, created.body.id);
    t.same(second.counts, {
      fetched: 2,
      created: 0,
      updated: 2,
      unchanged: 0,
      deactivated: 1,
      skipped: 0,
      failed: 0,
    });
    t.match(
      decodeURIComponent(fake.queries.at(-1) as string),
      /lastModifiedDateTime gt datetimeoffset'2026-01-01T00:41:39.000Z'/,
      'from the newest change committed',
    );
    t.equal((await app.api('GET', '/v1/members/emp000010')).body.attributes.department, 'Finance');
    const leaver = await app.db('events').where({ subject: 'emp000011', type: 'member.deactivated' });
    t.equal(leaver.length, 1, 'member.deactivated recorded');
    t.match((await eventPoster(app)('emp000011', new Date().toISOString())).outcomes, [
      { campaignId: campaign.id, outcome: 'not_eligible', reason: 'member_inactive' },
    ]);
    t.equal((await sync(app, created.body.id)).counts.fetched, 0, 'a third run finds nothing new');
  },
);

t.test('Basic logins, a 429 with Retry-After mid-sync, and a refused login', async (t) => {
  const { fake, app } = await setUp(t);
  fake.users = sfUsers(1500);
  const created = await app.api('POST', '/v1/connections', { body: connection(fake, true) });
  fake.failNext.push({ status: 429, retryAfter: '1' });
  const run = await sync(app, created.body.id);
  t.equal(run.status, 'succeeded', JSON.stringify(run.failure));
  t.equal(run.counts.created, 1500);
  t.equal(fake.tokenRequests.length, 0, 'no token for Basic');

  const refused = await app.api('POST', '/v1/connections', {
    body: { ...connection(fake), credentials: { clientId: 'someone-else', privateKey: fake.privateKey } },
  });
  const failed = await sync(app, refused.body.id);
  t.equal(failed.status, 'failed');
  t.equal(failed.failure.code, 'auth_failed');

  // A __next link off the configured API server is not followed: the credentials would go with it.
  fake.nextOrigin = 'http://127.0.0.1:1';
  for (const user of fake.users) user.lastModified = Date.UTC(2026, 6, 1); // two pages of changes
  const calls = fake.queries.length;
  const elsewhere = await sync(app, created.body.id);
  t.equal(elsewhere.status, 'failed');
  t.equal(elsewhere.failure.code, 'invalid_next_link');
  t.equal(fake.queries.length, calls + 1, 'only the first page was asked for');
});
