import t from 'tap';
import { purgeIdempotencyKeys } from '../../core/http/idempotency.ts';
import { runOnce } from '../../core/jobs/schedules.ts';
import { hashKey } from '../../core/tenancy/keys.ts';
import { type FaultProxy, startFaultProxy } from '../helpers/pg-fault-proxy.ts';
import { startTestTessera } from '../helpers/tessera.ts';

const app = await startTestTessera(t, { TESSERA_IDEMPOTENCY_LOCK_SECONDS: '1' });
const { api } = app;

t.test('the same key and request replays the first answer with Idempotent-Replayed', async (t) => {
  const headers = { 'idempotency-key': 'member-create-1' };
  const first = await api('PUT', '/v1/members/idem-1', { headers, body: { name: 'First' } });
  t.equal(first.status, 201);
  t.equal(first.headers.get('idempotent-replayed'), null);
  await api('PUT', '/v1/members/idem-1', { body: { name: 'Changed meanwhile' } });
  const again = await api('PUT', '/v1/members/idem-1', { headers, body: { name: 'First' } });
  t.equal(again.status, 201, 'the original status');
  t.same(again.body, first.body, 'the original body');
  t.equal(again.headers.get('idempotent-replayed'), 'true');
  const events = await app.db('events').where({ subject: 'idem-1' }).count({ n: '*' }).first();
  t.equal(Number(events?.n), 2, 'the replay had no effect of its own');
});

t.test('the same key with another request is 422; errors are replayed too', async (t) => {
  const headers = { 'idempotency-key': 'reuse-me' };
  await api('PUT', '/v1/members/idem-2', { headers, body: { name: 'A' } });
  const otherBody = await api('PUT', '/v1/members/idem-2', { headers, body: { name: 'B' } });
  t.equal(otherBody.status, 422);
  t.equal(otherBody.body.error.code, 'idempotency_key_reused');
  const otherPath = await api('PUT', '/v1/members/idem-3', { headers, body: { name: 'A' } });
  t.equal(otherPath.status, 422);

  const revokeHeaders = { 'idempotency-key': 'revoke-missing' };
  const missing = await api('DELETE', '/v1/api-keys/00000000-0000-7000-8000-000000000000', {
    headers: revokeHeaders,
  });
  t.equal(missing.status, 404);
  const replayed = await api('DELETE', '/v1/api-keys/00000000-0000-7000-8000-000000000000', {
    headers: revokeHeaders,
  });
  t.equal(replayed.status, 404);
  t.equal(replayed.headers.get('idempotent-replayed'), 'true');
});

t.test('keys are scoped per tenant and limited to 255 characters', async (t) => {
  const other = await app.keyFor('admin', { tenant: 'other' });
  const headers = { 'idempotency-key': 'shared-key' };
  t.equal((await api('PUT', '/v1/members/scoped', { headers, body: { name: 'Mine' } })).status, 201);
  const theirs = await api('PUT', '/v1/members/scoped', { key: other, headers, body: { name: 'Theirs' } });
  t.equal(theirs.status, 201);
  t.equal(theirs.headers.get('idempotent-replayed'), null);
  const long = await api('PUT', '/v1/members/scoped', {
    headers: { 'idempotency-key': 'k'.repeat(256) },
    body: {},
  });
  t.equal(long.status, 400);
  t.equal(long.body.error.details[0].path, 'idempotency-key');
});

t.test('a replayed key creation never shows the key again', async (t) => {
  const headers = { 'idempotency-key': 'create-key-once' };
  const first = await api('POST', '/v1/api-keys', { headers, body: { name: 'pos', role: 'integration' } });
  t.match(first.body.key, /^tsk_/);
  const again = await api('POST', '/v1/api-keys', { headers, body: { name: 'pos', role: 'integration' } });
  t.equal(again.status, 201);
  t.equal(again.body.key, null);
  t.equal(again.body.id, first.body.id);
  const stored = await app.db('idempotency_keys').where({ key: 'create-key-once' }).first();
  t.notOk(JSON.stringify(stored.responseBody).includes(first.body.key));
});

t.test('20 identical requests at once have exactly one effect', async (t) => {
  const headers = { 'idempotency-key': 'burst-1' };
  const body = { name: 'burst', role: 'viewer' };
  const responses = await Promise.all(
    Array.from({ length: 20 }, () => api('POST', '/v1/api-keys', { headers, body })),
  );
  const created = await app.db('api_keys').where({ name: 'burst' }).count({ n: '*' }).first();
  t.equal(Number(created?.n), 1, 'one key created');
  const statuses = responses.map((response) => response.status);
  t.ok(
    statuses.every((status) => status === 201 || status === 409),
    `only 201 and 409: ${statuses}`,
  );
  const ids = new Set(responses.filter((r) => r.status === 201).map((r) => r.body.id));
  t.equal(ids.size, 1, 'every 201 names the same key');
  for (const busy of responses.filter((r) => r.status === 409)) {
    t.equal(busy.body.error.code, 'idempotency_in_progress');
  }
});

t.test('a key whose first request is still running is 409 until it finishes', async (t) => {
  await api('PUT', '/v1/members/slow', { body: { name: 'Slow' } });
  const headers = { 'idempotency-key': 'slow-1' };
  // Hold the member's row lock so that the first request waits inside its transaction.
  const trx = await app.db.transaction();
  await trx('members').where({ externalRef: 'slow' }).forUpdate();
  const first = api('PUT', '/v1/members/slow', { headers, body: { name: 'Slower' } });
  // Only once the first request holds the key may the second one be sent, or it could claim it instead.
  while (!(await app.db('idempotency_keys').where({ key: 'slow-1', status: 'in_progress' }).first())) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const busy = await api('PUT', '/v1/members/slow', { headers, body: { name: 'Slower' } });
  t.equal(busy.status, 409);
  t.equal(busy.body.error.code, 'idempotency_in_progress');
  await trx.commit();
  t.equal((await first).status, 200);
  const replay = await api('PUT', '/v1/members/slow', { headers, body: { name: 'Slower' } });
  t.equal(replay.status, 200);
  t.equal(replay.headers.get('idempotent-replayed'), 'true');
});

t.test('a claim abandoned by a crashed request is taken over after the lock time', async (t) => {
  await app.db.raw(
    `INSERT INTO idempotency_keys (tenant_id, api_key_id, key, fingerprint, status, locked_at)
     SELECT tenant_id, id, 'crashed', 'fingerprint-of-something-else', 'in_progress', now() - interval '1 hour'
     FROM api_keys WHERE key_hash = ?`,
    [hashKey(app.adminKey)],
  );
  const other = await api('PUT', '/v1/members/crash', {
    headers: { 'idempotency-key': 'crashed' },
    body: {},
  });
  t.equal(other.status, 422, 'a different request still cannot take the key');

  const headers = { 'idempotency-key': 'crash-2' };
  await api('PUT', '/v1/members/crash', { headers, body: { name: 'Crash' } });
  // As if the process died after claiming the key: the claim is in progress and its lock is old.
  await app
    .db('idempotency_keys')
    .where({ key: 'crash-2' })
    .update({
      status: 'in_progress',
      responseStatus: null,
      responseBody: null,
      lockedAt: app.db.raw("now() - interval '1 hour'"),
    });
  const retried = await api('PUT', '/v1/members/crash', { headers, body: { name: 'Crash' } });
  t.equal(retried.status, 200, 'the same request runs again');
  t.equal(retried.headers.get('idempotent-replayed'), null);
  const stored = await app.db('idempotency_keys').where({ key: 'crash-2' }).first();
  t.equal(stored.status, 'completed');
});

t.test('keys are purged after their time to live, by one server at a time', async (t) => {
  await api('PUT', '/v1/members/old', { headers: { 'idempotency-key': 'old-key' }, body: {} });
  await app
    .db('idempotency_keys')
    .where({ key: 'old-key' })
    .update({ createdAt: app.db.raw("now() - interval '25 hours'") });
  const schedule = { name: 'purge-test', cron: '* * * * *', run: () => purgeIdempotencyKeys(app.db, 24) };
  const holder = await app.db.transaction();
  await holder.raw('SELECT pg_advisory_xact_lock(hashtext(?))', ['schedule:purge-test']);
  t.same(await runOnce(app.db, schedule), { ran: false }, 'another server holds the schedule');
  await holder.commit();
  t.equal((await app.db('idempotency_keys').where({ key: 'old-key' })).length, 1);
  t.same(await runOnce(app.db, schedule), { ran: true, result: 1 });
  t.equal((await app.db('idempotency_keys').where({ key: 'old-key' })).length, 0);
  t.ok((await app.db('idempotency_keys').where({ key: 'burst-1' })).length === 1, 'recent keys stay');
});

t.test("another API key's request with the same Idempotency-Key is independent", async (t) => {
  const partnerOne = (
    await api('POST', '/v1/partners', { body: { name: 'P1', ledgerAccess: 'redeem_and_credit' } })
  ).body.id;
  const partnerTwo = (
    await api('POST', '/v1/partners', { body: { name: 'P2', ledgerAccess: 'redeem_and_credit' } })
  ).body.id;
  const p1 = await app.keyFor('partner', { partnerId: partnerOne });
  const p2 = await app.keyFor('partner', { partnerId: partnerTwo });
  const integration = await app.keyFor('integration');
  await api('PUT', '/v1/members/idem-shared', { body: { name: 'Shared' } });

  await t.test("a partner resending an admin's live token request gets its own, limited token", async (t) => {
    const headers = { 'idempotency-key': 'live-token-1' };
    const admins = await api('POST', '/v1/live/tokens', { headers, body: { ttlSeconds: 60 } });
    t.equal(admins.body.partnerId, null);
    const theirs = await api('POST', '/v1/live/tokens', { key: p1, headers, body: { ttlSeconds: 60 } });
    t.equal(theirs.status, 201);
    t.equal(theirs.headers.get('idempotent-replayed'), null);
    t.equal(theirs.body.partnerId, partnerOne, "not the admin's unrestricted token");
    t.not(theirs.body.token, admins.body.token);
    const replayed = await api('POST', '/v1/live/tokens', { headers, body: { ttlSeconds: 60 } });
    t.equal(replayed.body.token, null, 'a replay never shows a token again');
    const stored = await app.db('idempotency_keys').where({ key: 'live-token-1' });
    t.notOk(JSON.stringify(stored).includes(admins.body.token), 'no token is kept at rest');
  });

  await t.test("partner P1 resending P2's credit has its own credit applied", async (t) => {
    const headers = { 'idempotency-key': 'credit-1' };
    const body = { memberRef: 'idem-shared', amount: 10, source: 'partner' };
    const second = await api('POST', '/v1/ledger/credits', { key: p2, headers, body });
    const first = await api('POST', '/v1/ledger/credits', { key: p1, headers, body });
    t.equal(first.status, 201);
    t.not(first.body.id, second.body.id, "not P2's transfer");
    t.equal(first.body.partnerId, partnerOne);
    const credits = await app.db('ledger_transfers').where({ memberRef: 'idem-shared', kind: 'credit' });
    t.equal(credits.length, 2, 'both credits applied');
  });

  await t.test('an integration key gets its own answer, never an admin’s full voucher code', async (t) => {
    const headers = { 'idempotency-key': 'shared-issue-1' };
    const body = { name: 'Idem' };
    const admins = await api('PUT', '/v1/members/idem-voucher', { headers, body });
    const theirs = await api('PUT', '/v1/members/idem-voucher', { key: integration, headers, body });
    t.equal(admins.status, 201);
    t.equal(theirs.status, 200, 'its own request ran: the member existed by then');
    t.equal(theirs.headers.get('idempotent-replayed'), null);
  });

  await t.test('a refusal planted by a partner is not what an admin later receives', async (t) => {
    const headers = { 'idempotency-key': 'planted-403' };
    const body = { name: 'planted', role: 'viewer' };
    const planted = await api('POST', '/v1/api-keys', { key: p1, headers, body });
    t.equal(planted.status, 403);
    const admins = await api('POST', '/v1/api-keys', { headers, body });
    t.equal(admins.status, 201, "the admin's own request runs");
    t.match(admins.body.key, /^tsk_/);
  });
});

t.test('a lost answer to a committed request is replayed on retry, never applied twice', async (t) => {
  let proxy: FaultProxy | undefined;
  // API role only: the proxy drops the next COMMIT answer on any connection, and a worker's background
  // transaction (the webhook fan-out) could otherwise be the one that loses it.
  const faulty = await startTestTessera(t, { TESSERA_ROLES: 'api' }, async (url) => {
    proxy = await startFaultProxy(url);
    t.teardown(() => proxy?.close());
    return proxy.url;
  });
  const lossy = proxy as FaultProxy;
  const call = faulty.api;
  await call('PUT', '/v1/members/lost-1', { body: { name: 'Lost' } });
  const once = async (path: string, key: string, body: object) => {
    lossy.loseNextCommits(1);
    const headers = { 'idempotency-key': key };
    const first = await call('POST', path, { headers, body });
    t.ok(first.status >= 500, `${path}: the first answer was lost (${first.status})`);
    t.equal(lossy.lost(), lostBefore + 1, 'a COMMIT answer was dropped');
    lostBefore = lossy.lost();
    const retried = await call('POST', path, { headers, body });
    t.equal(retried.headers.get('idempotent-replayed'), 'true', `${path}: the retry replays`);
    return retried;
  };
  let lostBefore = 0;

  const credit = await once('/v1/ledger/credits', 'lost-credit', {
    memberRef: 'lost-1',
    amount: 100,
    source: 'admin',
  });
  t.equal(credit.status, 201);
  const debit = await once('/v1/ledger/debits', 'lost-debit', {
    memberRef: 'lost-1',
    amount: 100,
    source: 'loyalife',
  });
  t.equal(debit.status, 201, 'not refused as short: the debit took effect once');
  await call('POST', '/v1/ledger/credits', { body: { memberRef: 'lost-1', amount: 50, source: 'admin' } });
  const reserved = await call('POST', '/v1/ledger/reservations', {
    body: { memberRef: 'lost-1', amount: 20, source: 'marketplace' },
  });
  const confirmed = await once(`/v1/ledger/reservations/${reserved.body.id}/confirm`, 'lost-confirm', {});
  t.equal(confirmed.status, 200, 'not 409 reservation_not_pending');
  const other = await call('POST', '/v1/ledger/reservations', {
    body: { memberRef: 'lost-1', amount: 5, source: 'marketplace' },
  });
  const released = await once(`/v1/ledger/reservations/${other.body.id}/release`, 'lost-release', {});
  t.equal(released.status, 200);

  const transfers = await faulty.db('ledger_transfers').where({ memberRef: 'lost-1' }).orderBy('id');
  t.same(
    transfers.map((row) => [row.kind, row.amount, row.status]),
    [
      ['credit', 100, 'posted'],
      ['debit', 100, 'posted'],
      ['credit', 50, 'posted'],
      ['reservation', 20, 'posted'],
      ['reservation', 5, 'voided'],
    ],
    'one transfer for each operation',
  );
  const balance = await call('GET', '/v1/members/lost-1/balance');
  t.match(balance.body, { available: 30, pending: 0 });
});
