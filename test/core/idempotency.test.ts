import t from 'tap';
import { purgeIdempotencyKeys } from '../../core/http/idempotency.ts';
import { runOnce } from '../../core/schedules/schedules.ts';
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
    `INSERT INTO idempotency_keys (tenant_id, key, fingerprint, status, locked_at)
     SELECT tenant_id, 'crashed', 'fingerprint-of-something-else', 'in_progress', now() - interval '1 hour'
     FROM api_keys LIMIT 1`,
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
