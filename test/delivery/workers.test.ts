// Reward messages with real worker processes on one database: a worker killed while a provider is
// answering leaves no attempt behind, and once its send lease lapses another worker sends the message
// and records it (at least once: the provider may have the first send too).
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { startFakeTwilio } from '../fakes/twilio.ts';
import { spawnServer } from '../helpers/process.ts';
import { apiClient, freshDatabaseUrl, TEST_SECRET_KEY } from '../helpers/tessera.ts';

async function waitUntil(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

t.test('a worker killed mid-send: another sends the message once its lease lapses', async (t) => {
  const twilio = await startFakeTwilio();
  t.teardown(() => twilio.close());
  const adminKey = `tsk_test_${randomBytes(16).toString('hex')}`;
  const env = {
    DATABASE_URL: await freshDatabaseUrl(t),
    TESSERA_ADMIN_KEY: adminKey,
    TESSERA_SECRET_KEY: TEST_SECRET_KEY,
    // The send lease is the provider's timeout plus 10 s.
    TESSERA_CONNECTOR_TIMEOUT_MS: '1000',
    LOG_LEVEL: 'silent',
  };
  const started: Array<Awaited<ReturnType<typeof spawnServer>>> = [];
  t.teardown(() => Promise.all(started.map((p) => p.stop('SIGKILL'))));
  const first = await spawnServer(env);
  started.push(first);
  const call = apiClient(first.url, adminKey);
  await call('POST', '/v1/connections', {
    body: {
      type: 'twilio',
      name: 'sms',
      config: { baseUrl: twilio.url, accountSid: twilio.accountSid, from: '+15005550006' },
      credentials: { authToken: twilio.authToken },
    },
  });
  const campaign = await call('POST', '/v1/campaigns', {
    body: {
      name: 'Visit',
      startsAt: '2026-01-01T00:00:00Z',
      endsAt: '2027-12-31T00:00:00Z',
      trigger: { eventType: 'pos.visit', rule: { type: 'each' } },
      reward: { type: 'points', amount: 100 },
    },
  });
  await call('POST', `/v1/campaigns/${campaign.body.id}/activate`);
  // Twilio holds the first send for a while; the worker sending it dies meanwhile.
  twilio.delayMs = 3_000;
  const posted = await call('POST', '/v1/events', {
    body: {
      type: 'pos.visit',
      source: 'pos',
      sourceEventId: 'v-1',
      memberRef: 'ana',
      member: { name: 'Ana', phone: '+14155550123' },
      occurredAt: '2026-09-01T12:00:00Z',
    },
  });
  const issuanceId = posted.body.outcomes[0].issuance.id;
  await waitUntil(() => twilio.arrived === 1, 'the first send to reach Twilio');
  await first.stop('SIGKILL');
  twilio.delayMs = 0;

  const second = await spawnServer(env);
  started.push(second);
  const after = apiClient(second.url, adminKey);
  type View = { status: string; attempts: Array<{ outcome: string; providerId: string }> };
  const latest: { view?: View } = {};
  await waitUntil(async () => {
    const id = (await after('GET', `/v1/issuances/${issuanceId}`)).body.delivery?.id;
    if (id) latest.view = (await after('GET', `/v1/deliveries/${id}`)).body;
    return latest.view?.status === 'sent';
  }, 'the message to be sent by the second worker');
  const sent = latest.view as View;
  t.equal(sent.attempts.length, 1, "the killed worker's attempt left no row");
  t.equal(sent.attempts[0].outcome, 'sent');
  t.ok(twilio.arrived >= 2, 'sent again after the lease lapsed');
  t.equal(
    sent.attempts[0].providerId,
    twilio.accepted.at(-1)?.sid,
    'the recorded send is the last one Twilio took',
  );
});
