// Salesforce end to end against a local fake that speaks its REST and SOAP wire formats, driven by the
// real jsforce: connections with sealed credentials, contact sync in pages with a cursor, one run per
// connection, token refresh, Outbound Messages in, and issuances written back.
import t from 'tap';
import { connectorTypes } from '../../connectors/framework/index.ts';
import { executeRun } from '../../connectors/framework/runs.ts';
import {
  contacts,
  type FakeSalesforce,
  ORG_ID,
  outboundMessage,
  salesforceId,
  startFakeSalesforce,
} from '../fakes/salesforce.ts';
import { activeCampaign } from '../helpers/campaigns.ts';
import { runFinished } from '../helpers/connectors.ts';
import { connectLive } from '../helpers/live.ts';
import { startTestTessera, TEST_SECRET_KEY, type TestTessera } from '../helpers/tessera.ts';

// The settings users get, but for the address vendors reach Tessera at.
const env = { TESSERA_PUBLIC_URL: 'https://tessera.example.com' };

async function setUp(test: { teardown: (fn: () => unknown) => void }, more: Record<string, string> = {}) {
  const fake = await startFakeSalesforce();
  test.teardown(() => fake.close());
  const app = await startTestTessera(test, { ...env, ...more });
  return { fake, app };
}

function salesforceConnection(fake: FakeSalesforce, fields: Record<string, unknown> = {}) {
  return {
    type: 'salesforce',
    name: `salesforce-${Math.random().toString(36).slice(2, 8)}`,
    config: {
      loginUrl: fake.url,
      contacts: { object: 'Contact', attributes: { department: 'Department' } },
      outboundMessages: {
        Opportunity: {
          eventType: 'crm.deal_closed',
          memberRef: 'Owner_Email__c',
          occurredAt: 'CloseDate',
          data: { amount: 'Amount', stage: 'StageName', won: 'IsWon' },
        },
      },
      writeBack: {
        object: 'Reward__c',
        externalIdField: 'Tessera_Issuance_Id__c',
        fields: { Status__c: 'status', Member__c: 'memberRef' },
      },
    },
    credentials: { clientId: fake.clientId, clientSecret: fake.clientSecret },
    ...fields,
  };
}

const runToEnd = (app: TestTessera, runId: string) => runFinished(app.api, runId);

t.test('a connection keeps its credentials sealed and refuses bad input with stable codes', async (t) => {
  const { fake, app } = await setUp(t);
  const input = salesforceConnection(fake, { name: 'crm-main' });
  const created = await app.api('POST', '/v1/connections', { body: input });
  t.equal(created.status, 201, 'created');
  t.same(created.body.credentials.set, true);
  t.equal(created.body.inboundUrl, `https://tessera.example.com/webhooks/connections/${created.body.id}`);
  const everything = JSON.stringify([
    created.body,
    (await app.api('GET', `/v1/connections/${created.body.id}`)).body,
  ]);
  t.notOk(everything.includes(fake.clientSecret), 'the secret is in no answer');
  const stored = await app.db('connections').where({ id: created.body.id }).first();
  t.notOk(stored.credentials.includes(fake.clientSecret), 'nor in the database in clear');
  const audit = await app.db('audit_log').where({ entityId: created.body.id });
  t.notOk(JSON.stringify(audit).includes(fake.clientSecret), 'nor in the audit trail');

  const again = await app.api('POST', '/v1/connections', { body: input });
  t.equal(again.status, 409);
  t.equal(again.body.error.code, 'connection_exists');
  const badConfig = await app.api('POST', '/v1/connections', {
    body: salesforceConnection(fake, { config: { loginUrl: 'not a url' } }),
  });
  t.equal(badConfig.status, 400);
  t.equal(badConfig.body.error.code, 'validation_failed');
  t.match(badConfig.body.error.details, [{ path: 'config.loginUrl' }]);
  const unknown = await app.api('POST', '/v1/connections', { body: { ...input, type: 'nosuch', name: 'x' } });
  t.equal(unknown.status, 400);
  const badCron = await app.api('POST', '/v1/connections', {
    body: { ...input, name: 'y', schedule: 'often' },
  });
  t.equal(badCron.status, 400);

  const scheduled = await app.api('PATCH', `/v1/connections/${created.body.id}`, {
    body: { schedule: '0 9 * * *', timeZone: 'Asia/Kolkata' },
  });
  t.equal(scheduled.status, 200);
  t.equal(new Date(scheduled.body.nextRunAt).getUTCHours(), 3, '09:00 in Kolkata is 03:30 UTC');
  t.equal(new Date(scheduled.body.nextRunAt).getUTCMinutes(), 30);

  const check = await app.api('POST', `/v1/connections/${created.body.id}/check`);
  t.same(check.body, { ok: true });
  const wrong = await app.api('PATCH', `/v1/connections/${created.body.id}`, {
    body: { credentials: { clientId: fake.clientId, clientSecret: 'wrong' } },
  });
  t.equal(wrong.status, 200);
  const failing = await app.api('POST', `/v1/connections/${created.body.id}/check`);
  t.equal(failing.body.ok, false);
  t.equal(failing.body.error.code, 'auth_failed');
  t.notOk(JSON.stringify(failing.body).includes('wrong'));
});

t.test('contacts sync page by page into members; a second run takes only what changed', async (t) => {
  const { fake, app } = await setUp(t);
  // Two pages: the first full at 2,000, then queryMore.
  const people = contacts(2500);
  fake.objects.set('Contact', people);
  const created = await app.api('POST', '/v1/connections', { body: salesforceConnection(fake) });
  const live = await connectLive(app.url, { key: app.adminKey });
  t.teardown(() => live.ws.close());
  live.send({ type: 'subscribe', channels: ['jobs'] });

  // Ten requests at once agree on one run.
  const asked = await Promise.all(
    Array.from({ length: 10 }, () => app.api('POST', `/v1/connections/${created.body.id}/sync`)),
  );
  t.same(new Set(asked.map((r) => r.status)), new Set([202]));
  const runIds = new Set(asked.map((r) => r.body.runId));
  t.equal(runIds.size, 1, 'one run for concurrent sync requests');
  const run = await runToEnd(app, [...runIds][0]);
  t.equal(run.status, 'succeeded', JSON.stringify(run.failure));
  t.same(run.counts, {
    fetched: 2500,
    created: 2500,
    updated: 0,
    unchanged: 0,
    deactivated: 0,
    skipped: 0,
    failed: 0,
  });
  t.equal(fake.queries.length, 1, 'one SOQL query, then queryMore');

  const member = await app.api('GET', `/v1/members/${people[7].Id}`);
  t.equal(member.status, 200);
  t.equal(member.body.email, 'contact.7@example.com');
  t.equal(member.body.phone, people[7].MobilePhone);
  t.same(member.body.attributes, { department: 'Sales' });

  people[10].Email = 'moved@example.com';
  people[10].SystemModstamp = '2026-06-01T00:00:00.000+0000';
  // A value the database refuses (text cannot hold NUL) fails its own record, not its page.
  people[11].Name = 'Broken\u0000Name';
  people[11].SystemModstamp = '2026-06-01T00:00:01.000+0000';
  const second = await app.api('POST', `/v1/connections/${created.body.id}/sync`);
  const next = await runToEnd(app, second.body.runId);
  t.match(
    fake.queries[1],
    /WHERE SystemModstamp >= 2026-01-01T00:41:39\.000Z/,
    'incremental from the cursor',
  );
  t.equal(next.counts.updated, 1);
  t.equal(next.counts.created, 0);
  t.equal(next.counts.failed, 1);
  t.match(next.errors, [{ record: people[11].Id, code: 'member_rejected' }]);
  t.equal((await app.api('GET', `/v1/members/${people[10].Id}`)).body.email, 'moved@example.com');

  await live.waitFor(
    (messages) => messages.some((m) => m.type === 'event' && m.event.type === 'connector_run.completed'),
    'a completed run on the jobs channel',
  );
  const types = live.events().map((e) => e.event.type);
  t.ok(types.includes('connector_run.started'));
  t.ok(types.includes('connector_run.progressed'));
  const runs = await app.api('GET', `/v1/connections/${created.body.id}/runs`);
  t.equal(runs.body.data.length, 2);
  t.equal(runs.body.data[0].id, second.body.runId, 'newest first');
});

t.test(
  'Salesforce’s refusals wait for its Retry-After, failures back off, and a vendor that keeps failing fails the run',
  async (t) => {
    // A short first backoff keeps the test quick; Retry-After is waited whatever the setting.
    const { fake, app } = await setUp(t, { TESSERA_CONNECTOR_BACKOFF_MS: '20' });
    fake.objects.set('Contact', contacts(2100));
    const created = await app.api('POST', '/v1/connections', { body: salesforceConnection(fake) });
    const sync = async () =>
      runToEnd(app, (await app.api('POST', `/v1/connections/${created.body.id}/sync`)).body.runId);

    fake.failNext = [{ status: 503, retryAfter: '1' }, { status: 500 }];
    const started = Date.now();
    const run = await sync();
    t.equal(run.status, 'succeeded', JSON.stringify(run.failure));
    t.equal(run.counts.created, 2100, 'both pages taken');
    const queries = fake.calls.filter((call) => call.endsWith('/query'));
    t.equal(queries.length, 3, 'the query was sent three times: refused, failed, answered');
    t.ok(Date.now() - started >= 1000, 'the second attempt waited for Retry-After: 1');

    fake.failNext = Array.from({ length: 10 }, () => ({ status: 500 }));
    const before = fake.calls.length;
    const failed = await sync();
    t.equal(failed.status, 'failed');
    t.equal(failed.failure.code, 'unknown_exception', 'Salesforce’s error code, lower case');
    t.equal(fake.calls.length - before, 5, 'the first attempt and four retries, then the run fails');
    fake.failNext = [];
  },
);

t.test('an expired session is refreshed once; a login that keeps failing fails the run', async (t) => {
  const { fake, app } = await setUp(t);
  fake.objects.set('Contact', contacts(10));
  const created = await app.api('POST', '/v1/connections', { body: salesforceConnection(fake) });
  // The first query finds its session expired: jsforce logs in again once and the run goes on.
  fake.expireNextCalls = 1;
  const logins = fake.tokenRequests.length;
  const first = await runToEnd(
    app,
    (await app.api('POST', `/v1/connections/${created.body.id}/sync`)).body.runId,
  );
  t.equal(first.status, 'succeeded', JSON.stringify(first.failure));
  t.equal(fake.tokenRequests.length, logins + 2, 'one login, then one refresh');
  t.equal(first.counts.created, 10);

  fake.refuseAllTokens = true;
  const second = await runToEnd(
    app,
    (await app.api('POST', `/v1/connections/${created.body.id}/sync`)).body.runId,
  );
  t.equal(second.status, 'failed');
  t.equal(second.failure.code, 'auth_failed', JSON.stringify(second.failure));
});

t.test('Outbound Messages become source events once, from the connection’s org only', async (t) => {
  const { fake, app } = await setUp(t);
  const created = await app.api('POST', '/v1/connections', {
    body: salesforceConnection(fake, {
      config: { ...salesforceConnection(fake).config, orgId: ORG_ID.slice(0, 15) },
    }),
  });
  const push = (xml: string) =>
    fetch(`${app.url}/webhooks/connections/${created.body.id}`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '""' },
      body: xml,
    });
  const deals = Array.from({ length: 100 }, (_, i) => ({
    id: salesforceId('04l'),
    type: 'Opportunity',
    fields: {
      Id: salesforceId('006'),
      Owner_Email__c: `rep-${i % 5}`,
      Amount: '45000.0',
      StageName: 'Closed Won',
      IsWon: 'true',
      CloseDate: '2026-03-01',
      Description: null,
    },
  }));
  const answer = await push(outboundMessage(deals));
  t.equal(answer.status, 200);
  t.match(await answer.text(), /<Ack>true<\/Ack>/);
  const stored = await app.db('source_events').where({ source: created.body.name });
  t.equal(stored.length, 100);
  t.same(stored[0].data.amount, 45000);
  t.same(stored[0].data.won, true);
  t.equal(stored[0].type, 'crm.deal_closed');

  const unmapped = { id: salesforceId('04l'), type: 'Case', fields: { Id: salesforceId('500') } };
  const resent = await push(outboundMessage([...deals.slice(0, 3), unmapped]));
  t.equal(resent.status, 200, 'a resent notification is acknowledged, and so is one without a mapping');
  t.equal(
    (await app.db('source_events').where({ source: created.body.name })).length,
    100,
    'and not taken twice',
  );
  // Each push is logged as a run of its own, newest first.
  const runs = (await app.api('GET', `/v1/connections/${created.body.id}/runs`)).body.data;
  t.match(runs, [
    {
      trigger: 'push',
      status: 'succeeded',
      counts: { fetched: 4, created: 0, unchanged: 3, deactivated: 0, skipped: 0, failed: 1 },
      errors: [{ record: unmapped.id, code: 'unmapped_type' }],
    },
    {
      trigger: 'push',
      status: 'succeeded',
      counts: { fetched: 100, created: 100, unchanged: 0, deactivated: 0, skipped: 0, failed: 0 },
    },
  ]);

  const foreign = await push(outboundMessage(deals.slice(0, 1), '00D000000000001AAA'));
  t.equal(foreign.status, 403);
  t.match(await foreign.text(), /<faultcode>soapenv:Client<\/faultcode>/);
  const broken = await push('<soapenv:Envelope><notifications>');
  t.equal(broken.status, 400);
  t.match(await broken.text(), /soapenv:Fault/);
  const unknown = await fetch(`${app.url}/webhooks/connections/00000000-0000-0000-0000-000000000000`, {
    method: 'POST',
    body: outboundMessage(deals.slice(0, 1)),
  });
  t.equal(unknown.status, 403, 'an unknown connection is refused like a failed check');
});

t.test('fulfilled issuances are written back onto the configured object', async (t) => {
  const { fake, app } = await setUp(t);
  fake.objects.set('Contact', []);
  const created = await app.api('POST', '/v1/connections', { body: salesforceConnection(fake) });
  await activeCampaign(app, { trigger: { eventType: 'crm.deal_closed', rule: { type: 'each' } } });
  for (const ref of ['asha', 'ben'])
    await app.api('POST', '/v1/events', {
      body: {
        type: 'crm.deal_closed',
        source: 'crm',
        sourceEventId: `deal-${ref}`,
        memberRef: ref,
        member: { name: ref },
        data: {},
      },
    });
  const run = await runToEnd(
    app,
    (await app.api('POST', `/v1/connections/${created.body.id}/sync`)).body.runId,
  );
  t.equal(run.status, 'succeeded', JSON.stringify(run.failure));
  const rewards = fake.objects.get('Reward__c') ?? [];
  t.equal(rewards.length, 2);
  t.same(rewards.map((r) => [r.Member__c, r.Status__c]).sort(), [
    ['asha', 'fulfilled'],
    ['ben', 'fulfilled'],
  ]);
  const issuances = await app.api('GET', '/v1/issuances');
  t.same(
    rewards.map((r) => r.Tessera_Issuance_Id__c).sort(),
    issuances.body.data.map((i: { id: string }) => i.id).sort(),
  );
  const again = await runToEnd(
    app,
    (await app.api('POST', `/v1/connections/${created.body.id}/sync`)).body.runId,
  );
  t.equal(again.status, 'succeeded');
  t.equal((fake.objects.get('Reward__c') ?? []).length, 2, 'nothing written twice');
});

t.test(
  'a run its worker left running is failed as interrupted and a new run resumes from the cursor',
  async (t) => {
    const { fake, app } = await setUp(t);
    const people = contacts(10);
    fake.objects.set('Contact', people);
    const created = await app.api('POST', '/v1/connections', { body: salesforceConnection(fake) });
    // The dead worker had committed the pages up to the sixth contact.
    await app
      .db('connections')
      .where({ id: created.body.id })
      .update({ cursor: JSON.stringify({ systemModstamp: people[5].SystemModstamp }) });
    const [left] = await app
      .db('connector_runs')
      .insert({
        tenantId: (await app.db('connections').where({ id: created.body.id }).first()).tenantId,
        connectionId: created.body.id,
        trigger: 'manual',
        status: 'running',
        startedAt: new Date(),
      })
      .returning('id');
    // What the job's retry runs once pg-boss finds the dead worker's heartbeat stopped.
    const { server } = app.tessera;
    await executeRun(
      {
        db: app.db,
        jobs: server.app.jobs,
        log: server.app.logger,
        connectors: {
          registry: connectorTypes(),
          secretKey: Buffer.from(TEST_SECRET_KEY, 'base64'),
          publicUrl: undefined,
        },
        settings: app.config,
      },
      left.id,
    );
    const interrupted = await app.api('GET', `/v1/connector-runs/${left.id}`);
    t.equal(interrupted.body.status, 'failed');
    t.equal(interrupted.body.failure.code, 'interrupted');
    const runs = (await app.api('GET', `/v1/connections/${created.body.id}/runs`)).body.data;
    t.equal(runs.length, 2);
    t.equal(runs[0].status, 'succeeded', JSON.stringify(runs[0].failure));
    t.equal(runs[0].counts.fetched, 5, 'only the contacts after the committed cursor');
  },
);

t.test('a connection with a schedule runs when it is due, and its next time moves on', async (t) => {
  const fake = await startFakeSalesforce();
  t.teardown(() => fake.close());
  fake.objects.set('Contact', contacts(3));
  // The due check every second instead of every minute, so that the test need not wait a minute.
  const app = await startTestTessera(t, { TESSERA_CONNECTOR_DUE_CRON: '* * * * * *' });
  const created = await app.api('POST', '/v1/connections', {
    body: salesforceConnection(fake, { schedule: '* * * * * *' }),
  });
  t.ok(created.body.nextRunAt, 'a scheduled connection knows its next run');
  let scheduled: { status: string; trigger: string } | undefined;
  for (let i = 0; i < 200 && scheduled?.status !== 'succeeded'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    scheduled = (await app.api('GET', `/v1/connections/${created.body.id}/runs`)).body.data.at(-1);
  }
  t.equal(scheduled?.trigger, 'schedule');
  t.equal(scheduled?.status, 'succeeded');
  const after = await app.api('GET', `/v1/connections/${created.body.id}`);
  t.ok(new Date(after.body.nextRunAt) > new Date(created.body.nextRunAt), 'the next run time moved on');
});
