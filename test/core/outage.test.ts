// A database outage: PostgreSQL down or frozen. Answers come within the database timeout as 503
// database_unavailable with Retry-After, in the one error shape; Tessera recovers without a restart.
import t from 'tap';
import { connectLive } from '../helpers/live.ts';
import { type FaultProxy, startFaultProxy } from '../helpers/pg-fault-proxy.ts';
import { apiClient, startTestTessera } from '../helpers/tessera.ts';

let proxy: FaultProxy | undefined;
const app = await startTestTessera(
  t,
  // The key cache is off so that every request needs the database, as a new key's first request does.
  { TESSERA_DB_TIMEOUT_MS: '1000', TESSERA_AUTH_CACHE_SECONDS: '0', TESSERA_ROLES: 'api' },
  async (url) => {
    proxy = await startFaultProxy(url);
    t.teardown(() => proxy?.close());
    return proxy.url;
  },
);
const faults = proxy as FaultProxy;
type Asserts = Pick<typeof t, 'equal' | 'same'>;
await app.api('PUT', '/v1/members/outage-1', { body: { name: 'Outage' } });

// A request that never answers fails the test here rather than hanging it.
const patient = apiClient(app.url, app.adminKey);
const call = (method: string, path: string, body?: object) =>
  Promise.race([
    patient(method, path, { body, headers: { 'idempotency-key': `outage-${Math.random()}` } }),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${path} did not answer`)), 30_000)),
  ]);

async function expectUnavailable(t: Asserts, what: string) {
  for (const [method, path, body] of [
    ['GET', '/v1/members/outage-1'],
    ['POST', '/v1/ledger/credits', { memberRef: 'outage-1', amount: 5, source: 'admin' }],
    ['PUT', '/v1/members/outage-2', { name: 'Two' }],
  ] as const) {
    const response = await call(method, path, body);
    t.equal(response.status, 503, `${what}: ${method} ${path}`);
    t.same(Object.keys(response.body), ['error'], 'the one error shape');
    t.equal(response.body.error?.code, 'database_unavailable');
    t.equal(response.headers.get('retry-after'), '5');
  }
  const ready = await patient('GET', '/health/ready');
  t.equal(ready.status, 503, `${what}: not ready`);
  const live = await connectLive(app.url, { key: app.adminKey });
  t.same(await live.closed, { code: 1013, reason: 'try_again_later' }, `${what}: the feed says come back`);
}

async function expectRecovered(t: Asserts) {
  for (let i = 0; i < 50; i++) {
    if ((await patient('GET', '/health/ready')).status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const credited = await call('POST', '/v1/ledger/credits', {
    memberRef: 'outage-1',
    amount: 5,
    source: 'admin',
  });
  t.equal(credited.status, 201, 'recovered without a restart');
}

t.test('PostgreSQL down', async (t) => {
  faults.setDown(true);
  await expectUnavailable(t, 'down');
  faults.setDown(false);
  await expectRecovered(t);
});

t.test('PostgreSQL frozen', async (t) => {
  faults.setFrozen(true);
  await expectUnavailable(t, 'frozen');
  faults.setFrozen(false);
  await expectRecovered(t);
  const balance = await call('GET', '/v1/members/outage-1/balance');
  t.equal(balance.body.available, 10, 'nothing from the outage was half-applied');
});

t.test('with the default TESSERA_DB_TIMEOUT_MS, a frozen database still answers 503', async (t) => {
  let frozen: FaultProxy | undefined;
  const defaults = await startTestTessera(t, {}, async (url) => {
    frozen = await startFaultProxy(url);
    t.teardown(() => frozen?.close());
    return frozen.url;
  });
  t.equal(defaults.config.dbTimeoutMs, 10_000, 'no variable set');
  await defaults.api('PUT', '/v1/members/outage-default', { body: { name: 'Default' } });
  (frozen as FaultProxy).setFrozen(true);
  // The admin key is in the key cache by now: this is the member read itself waiting on the database.
  const response = await Promise.race([
    defaults.api('GET', '/v1/members/outage-default'),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer')), 60_000)),
  ]);
  t.equal(response.status, 503);
  t.equal(response.body.error?.code, 'database_unavailable');
  (frozen as FaultProxy).setFrozen(false);
});
