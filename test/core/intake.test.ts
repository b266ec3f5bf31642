import t from 'tap';
import { startTestTessera } from '../helpers/tessera.ts';

const purchase = (sourceEventId: string, extra: Record<string, unknown> = {}) => ({
  type: 'pos.purchase',
  source: 'pos-south',
  sourceEventId,
  memberRef: 'm-1',
  occurredAt: '2026-11-01T10:00:00Z',
  data: { amount: 120 },
  ...extra,
});

t.test('an event is stored once per (source, sourceEventId), with its original outcome', async (t) => {
  const app = await startTestTessera(t);
  await app.api('PUT', '/v1/members/m-1', { body: { name: 'Asha' } });
  const integration = await app.keyFor('integration');
  const first = await app.api('POST', '/v1/events', { key: integration, body: purchase('p-1') });
  t.equal(first.status, 201);
  t.match(first.body, {
    id: String,
    status: 'accepted',
    occurredAt: '2026-11-01T10:00:00.000Z',
    data: { amount: 120 },
    outcomes: [],
  });
  const again = await app.api('POST', '/v1/events', {
    key: integration,
    body: purchase('p-1', { data: { amount: 999 } }),
  });
  t.equal(again.status, 200);
  t.same(again.body, first.body, 'the original, not the resent data');
  const other = await app.api('POST', '/v1/events', { body: purchase('p-1', { source: 'pos-east' }) });
  t.equal(other.status, 201, 'ids are per source');
  const viewer = await app.keyFor('viewer');
  t.equal((await app.api('POST', '/v1/events', { key: viewer, body: purchase('p-2') })).status, 403);
  const listed = await app.api('GET', '/v1/events/inbound?memberRef=m-1', { key: viewer });
  t.equal(listed.body.data.length, 2);
});

t.test('an unknown member is created from the event, or the event is kept as unmatched', async (t) => {
  const app = await startTestTessera(t);
  const described = await app.api('POST', '/v1/events', {
    body: purchase('p-3', { memberRef: 'new-1', member: { name: 'Mei', email: 'mei@example.com' } }),
  });
  t.equal(described.body.status, 'accepted');
  t.equal((await app.api('GET', '/v1/members/new-1')).body.email, 'mei@example.com');
  const bare = await app.api('POST', '/v1/events', { body: purchase('p-4', { memberRef: 'ghost' }) });
  t.equal(bare.status, 201);
  t.equal(bare.body.status, 'unmatched');
  t.equal((await app.api('GET', '/v1/members/ghost')).status, 404, 'no member invented');
  const unmatched = await app.api('GET', '/v1/events/inbound?status=unmatched');
  t.same(
    unmatched.body.data.map((e: { memberRef: string }) => e.memberRef),
    ['ghost'],
  );
});

t.test('bad events are refused field by field', async (t) => {
  const app = await startTestTessera(t);
  const bad = await app.api('POST', '/v1/events', {
    body: { type: 'Not A Type', source: 'pos', memberRef: 'has space', occurredAt: '2999-01-01T00:00:00Z' },
  });
  t.equal(bad.status, 400);
  t.equal(bad.body.error.code, 'validation_failed');
  t.same(bad.body.error.details.map((d: { path: string }) => d.path).sort(), [
    'memberRef',
    'occurredAt',
    'sourceEventId',
    'type',
  ]);
  t.equal((await app.api('GET', '/v1/events/inbound')).body.data.length, 0);
});

t.test('the same source event sent 30 times at once is stored once', async (t) => {
  const app = await startTestTessera(t);
  await app.api('PUT', '/v1/members/m-1', { body: {} });
  const answers = await Promise.all(
    Array.from({ length: 30 }, () => app.api('POST', '/v1/events', { body: purchase('p-9') })),
  );
  t.equal(answers.filter((a) => a.status === 201).length, 1);
  t.equal(answers.filter((a) => a.status === 200).length, 29);
  t.equal(new Set(answers.map((a) => a.body.id)).size, 1);
  t.equal((await app.api('GET', '/v1/events/inbound')).body.data.length, 1);
});
