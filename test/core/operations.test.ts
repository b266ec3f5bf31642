import t from 'tap';
import { startTestTessera } from '../helpers/tessera.ts';

const app = await startTestTessera(t);
const { api } = app;

t.test('liveness and readiness', async (t) => {
  t.same((await api('GET', '/health/live', { key: null })).body, { status: 'ok' });
  const ready = await api('GET', '/health/ready', { key: null });
  t.equal(ready.status, 200);
  t.same(ready.body, { status: 'ready' });
});

t.test('readiness is 503 while a migration is pending', async (t) => {
  const [last] = await app.db('knex_migrations').orderBy('id', 'desc').limit(1);
  await app.db('knex_migrations').where({ id: last.id }).delete();
  const pending = await api('GET', '/health/ready', { key: null });
  t.equal(pending.status, 503);
  t.same(pending.body, { status: 'migrations_pending', pending: 1 });
  await app
    .db('knex_migrations')
    .insert({ name: last.name, batch: last.batch, migrationTime: last.migrationTime });
  t.equal((await api('GET', '/health/ready', { key: null })).status, 200);
});

t.test('request ids: generated, or taken from the caller, and returned', async (t) => {
  const generated = await api('GET', '/v1/members');
  t.match(generated.headers.get('x-request-id'), /^[0-9a-f-]{36}$/);
  const given = await api('GET', '/v1/members', { headers: { 'x-request-id': 'lb-trace-42' } });
  t.equal(given.headers.get('x-request-id'), 'lb-trace-42');
  const error = await api('GET', '/v1/nowhere', { headers: { 'x-request-id': 'lb-trace-43' } });
  t.equal(error.headers.get('x-request-id'), 'lb-trace-43', 'error responses carry it too');
});

t.test('/metrics counts requests per route and status and shows the database pool', async (t) => {
  await api('GET', '/v1/members');
  await api('GET', '/v1/members/none');
  const metrics = await api('GET', '/metrics', { key: null });
  t.equal(metrics.status, 200);
  t.match(metrics.headers.get('content-type'), /text\/plain/);
  t.match(metrics.body, /tessera_http_requests_total\{method="get",route="\/v1\/members",status="200"\} \d+/);
  t.match(
    metrics.body,
    /tessera_http_requests_total\{method="get",route="\/v1\/members\/\{externalRef\}",status="404"\} 1/,
  );
  t.match(
    metrics.body,
    /tessera_http_request_duration_seconds_bucket\{le="0\.005",method="get",route="\/v1\/members",status="200"\}/,
  );
  for (const state of ['in_use', 'idle', 'waiting']) {
    t.match(metrics.body, new RegExp(`tessera_db_pool_connections\\{state="${state}"\\} \\d+`));
  }
});
