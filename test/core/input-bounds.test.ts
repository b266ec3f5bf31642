// Bounds on what a request may carry, with the default body limit: nesting, size, echoed values, and
// bodies sent to actions that take none.
import t from 'tap';
import { startTestTessera } from '../helpers/tessera.ts';

const app = await startTestTessera(t);
const { api } = app;
// 5,000 levels of nesting, as JSON text: more than JSON.stringify or PostgreSQL's jsonb can take.
const deep = `${'{"deep":'.repeat(5000)}{}${'}'.repeat(5000)}`;

t.test('deeply nested or oversized free-form JSON is 400, never a 500', async (t) => {
  const member = await api('PUT', '/v1/members/nested', { raw: `{"attributes":${deep}}` });
  t.equal(member.status, 400);
  t.equal(member.body.error.code, 'validation_failed');
  await api('PUT', '/v1/members/nested', { body: { name: 'Nested' } });
  for (const [path, body] of [
    ['/v1/ledger/credits', { memberRef: 'nested', amount: 1, source: 'admin', metadata: deep }],
    [
      '/v1/events',
      { type: 'pos.visit', source: 'pos', sourceEventId: 'e-1', memberRef: 'nested', data: deep },
    ],
    ['/v1/members/nested', { attributes: { big: 'x'.repeat(20_000) } }],
  ] as const) {
    const response = await api(path.startsWith('/v1/members') ? 'PUT' : 'POST', path, { body });
    t.equal(response.status, 400, path);
    t.equal(response.body.error.code, 'validation_failed', path);
  }
  t.equal(
    (await api('PUT', '/v1/members/nested', { body: { attributes: { a: { b: { c: 'fine' } } } } })).status,
    200,
    'a few levels are fine',
  );
});

t.test('a validation error echoes at most about 100 characters of the bad value', async (t) => {
  const response = await api('PUT', '/v1/members/echo', { body: { email: `${'x'.repeat(900_000)}@` } });
  t.equal(response.status, 400);
  t.ok(
    JSON.stringify(response.body).length < 1000,
    `a short error (${JSON.stringify(response.body).length} bytes)`,
  );
});

t.test('actions that take no input refuse a body', async (t) => {
  const id = '00000000-0000-7000-8000-000000000000';
  for (const path of [
    `/v1/campaigns/${id}/activate`,
    `/v1/webhook-endpoints/${id}/test`,
    `/v1/issuances/${id}/approve`,
  ]) {
    const response = await api('POST', path, { raw: deep, headers: { 'idempotency-key': `deep-${path}` } });
    t.equal(response.status, 400, path);
    t.equal(response.body.error.code, 'validation_failed', path);
  }
  t.equal(
    (await api('POST', `/v1/campaigns/${id}/activate`, { body: {} })).status,
    404,
    'an empty body is fine',
  );
});
