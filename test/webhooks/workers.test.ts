import { randomBytes } from 'node:crypto';
import t from 'tap';
import { startReceiver } from '../fakes/webhook-receiver.ts';
import { spawnServer } from '../helpers/process.ts';
import { apiClient, freshDatabaseUrl } from '../helpers/tessera.ts';
import { fastWebhooks, withReceiver } from '../helpers/webhooks.ts';

type Test = Parameters<typeof freshDatabaseUrl>[0];

// Real Tessera processes on one database, as a deployment with separate API and worker roles runs them.
async function cluster(t: Test) {
  const adminKey = `tsk_test_${randomBytes(16).toString('hex')}`;
  const env = {
    ...fastWebhooks,
    DATABASE_URL: await freshDatabaseUrl(t),
    TESSERA_ADMIN_KEY: adminKey,
    TESSERA_WEBHOOK_RECOVERY_SECONDS: '1',
    // A killed worker's send lease lapses this long plus a margin after it began.
    TESSERA_WEBHOOK_TIMEOUT_MS: '3000',
  };
  const started: Array<Awaited<ReturnType<typeof spawnServer>>> = [];
  t.teardown(() => Promise.all(started.map((p) => p.stop('SIGKILL'))));
  const start = async (roles: string) => {
    const process = await spawnServer({ ...env, TESSERA_ROLES: roles });
    started.push(process);
    return process;
  };
  return { start, api: (url: string) => apiClient(url, adminKey) };
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

t.test('an API-only process enqueues; a separate worker process delivers', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const { start, api } = await cluster(t);
  const front = await start('api');
  const call = api(front.url);
  const endpoint = await call('POST', '/v1/webhook-endpoints', {
    body: { url: receiver.url, eventTypes: ['member.*'] },
  });
  await call('PUT', '/v1/members/m-1', { body: { name: 'Asha' } });
  const sent = await call('POST', `/v1/webhook-endpoints/${endpoint.body.id}/test`);
  t.equal(sent.status, 202, 'an API-only process takes the request');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  t.equal(receiver.received.length, 0, 'nothing is delivered without a worker');

  await start('worker');
  const deliveries = await receiver.waitFor(2);
  t.same(deliveries.map((d) => JSON.parse(d.body).type).sort(), ['member.created', 'webhook.test']);
});

t.test('a worker killed mid-delivery: the message is delivered once another worker runs', async (t) => {
  // The first request hangs, as a receiver would while the worker sending it dies.
  const receiver = await startReceiver((_r, index) =>
    index === 0 ? { status: 200, hang: true } : { status: 200 },
  );
  t.teardown(() => receiver.close());
  const { start, api } = await cluster(t);
  const first = await start('api,worker');
  const call = api(first.url);
  const endpoint = await call('POST', '/v1/webhook-endpoints', {
    body: { url: receiver.url, eventTypes: ['member.*'] },
  });
  await call('PUT', '/v1/members/m-2', { body: { name: 'Ravi' } });
  const [inFlight] = await receiver.waitFor(1);
  await first.stop('SIGKILL');

  const second = await start('api,worker');
  const [, redelivered] = await receiver.waitFor(2);
  t.equal(redelivered.headers['webhook-id'], inFlight.headers['webhook-id'], 'the same message');
  t.equal(redelivered.body, inFlight.body);
  const after = api(second.url);
  let messages: Array<{ status: string; attempts: Array<{ statusCode: number }> }> = [];
  await waitUntil(async () => {
    messages = (await after('GET', `/v1/webhook-endpoints/${endpoint.body.id}/messages`)).body.data;
    return messages[0]?.status === 'delivered';
  }, 'the delivery to commit');
  // The killed attempt left no row: its transaction died with the process.
  t.same(
    messages[0].attempts.map((a) => a.statusCode),
    [200],
  );
});

t.test('two worker processes deliver every message exactly once when every answer is 2xx', async (t) => {
  const receiver = await startReceiver(() => ({ status: 200, delayMs: Math.floor(Math.random() * 20) }));
  t.teardown(() => receiver.close());
  const { start, api } = await cluster(t);
  const [one, two] = await Promise.all([start('api,worker'), start('api,worker')]);
  const call = api(one.url);
  for (const path of ['/a', '/b']) {
    await call('POST', '/v1/webhook-endpoints', {
      body: { url: receiver.url + path, eventTypes: ['member.*'] },
    });
  }
  const members = 60;
  await Promise.all(
    Array.from({ length: members }, (_, i) =>
      api(i % 2 ? one.url : two.url)('PUT', `/v1/members/w-${i}`, { body: { name: `W ${i}` } }),
    ),
  );
  await receiver.waitFor(members * 2);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const ids = receiver.received.map((r) => r.headers['webhook-id']);
  t.equal(ids.length, members * 2, 'no extra sends');
  t.equal(new Set(ids).size, members * 2, 'no webhook-id twice');
});

t.test('a slow receiver holds only its own share of the delivery slots', async (t) => {
  // 4 slots, at most 2 per endpoint: the stuck endpoint can never take all of them.
  const { receiver, app } = await withReceiver(
    t,
    (received) => (received.path === '/slow' ? { status: 200, delayMs: 6_000 } : { status: 200 }),
    { TESSERA_WEBHOOK_WORKER_CONCURRENCY: '4', TESSERA_WEBHOOK_ENDPOINT_CONCURRENCY: '2' },
  );
  for (const path of ['/slow', '/fast']) {
    const created = await app.api('POST', '/v1/webhook-endpoints', {
      body: { url: `${receiver.url}${path}`, eventTypes: ['member.created'] },
    });
    t.equal(created.status, 201);
  }
  for (let i = 0; i < 12; i++) await app.api('PUT', `/v1/members/slow-${i}`, { body: { name: `M ${i}` } });
  const fast = await receiver.waitFor(12, (r) => r.path === '/fast', 20_000);
  const slowSoFar = receiver.received.filter((r) => r.path === '/slow' && r.at <= fast[11].at);
  t.ok(slowSoFar.length <= 2, `the stuck endpoint had ${slowSoFar.length} deliveries in flight, at most 2`);
  const firstSlowAnswered = (slowSoFar[0]?.at ?? Date.now()) + 6_000;
  t.ok(fast[11].at < firstSlowAnswered, 'every fast delivery arrived while the slow ones were stuck');
});
