// The message table as the delivery queue: concurrent claims never take one message twice and keep each
// endpoint's slots; a batch of attempt records that fails half-way is recorded again one by one.
import t from 'tap';
import type { SentAttempt } from '../../webhooks/delivery.ts';
import { attemptRecorder } from '../../webhooks/dispatcher.ts';
import { claimDue } from '../../webhooks/queue.ts';
import { startReceiver } from '../fakes/webhook-receiver.ts';
import { startTestTessera } from '../helpers/tessera.ts';
import { messagesWith } from '../helpers/webhooks.ts';

// An API-only process: no dispatcher of its own claims the messages these tests make.
const app = await startTestTessera(t, { TESSERA_ROLES: 'api' });
const { db } = app;
const tenant = await db('tenants').first('id');

async function endpointsWithMessages(endpoints: number, perEndpoint: number, label: string) {
  const ids: string[] = [];
  for (let i = 0; i < endpoints; i++) {
    const [row] = await db('webhook_endpoints')
      .insert({
        tenantId: tenant.id,
        url: `https://${label}-${i}.example.com/hook`,
        eventTypes: ['*'],
        secret: 'whsec_dGVzdA==',
      })
      .returning('id');
    ids.push(row.id);
    await db('webhook_messages').insert(
      Array.from({ length: perEndpoint }, (_, n) => ({
        tenantId: tenant.id,
        endpointId: row.id,
        eventId: n,
        eventType: 'member.created',
        body: `{"n":${n}}`,
      })),
    );
  }
  return ids;
}

t.test('ten concurrent claims take every due message once, at most the endpoint slots each', async (t) => {
  const endpoints = await endpointsWithMessages(4, 50, 'race');
  const claims = await Promise.all(
    Array.from({ length: 10 }, () =>
      claimDue(db, { free: 40, busy: new Map(), perEndpoint: 3, leaseSeconds: 60 }),
    ),
  );
  const claimed = claims.flat().map((c) => c.message.id);
  t.equal(new Set(claimed).size, claimed.length, 'no message claimed twice');
  for (const claim of claims) {
    const perEndpoint = new Map<string, number>();
    for (const c of claim) perEndpoint.set(c.endpoint.id, (perEndpoint.get(c.endpoint.id) ?? 0) + 1);
    t.ok(
      [...perEndpoint.values()].every((n) => n <= 3),
      'one claim takes at most 3 of one endpoint',
    );
  }
  const leased = await db('webhook_messages')
    .whereIn('endpointId', endpoints)
    .whereNotNull('sendingUntil')
    .count<{ count: string }[]>('* as count');
  t.equal(Number(leased[0].count), claimed.length, 'every claimed message carries its lease');
  const again = await claimDue(db, {
    free: 200,
    busy: new Map(endpoints.map((id) => [id, 1])),
    perEndpoint: 2,
    leaseSeconds: 60,
  });
  t.ok(
    again.every((c) => !claimed.includes(c.message.id)),
    'a leased message is not claimed again',
  );
  t.equal(again.length, 4, 'with one send in flight each, one more per endpoint');
  const none = await claimDue(db, {
    free: 10,
    busy: new Map(endpoints.map((id) => [id, 2])),
    perEndpoint: 2,
    leaseSeconds: 60,
  });
  t.equal(none.length, 0, 'an endpoint at its limit gets nothing');
});

t.test('a batch of records that fails half-way records the good attempts, one by one', async (t) => {
  await endpointsWithMessages(1, 3, 'record');
  const claimed = await claimDue(db, {
    free: 3,
    busy: new Map(),
    perEndpoint: 3,
    leaseSeconds: 60,
  });
  t.equal(claimed.length, 3);
  const sent = (c: (typeof claimed)[number]): SentAttempt => ({
    ...c,
    startedAt: new Date(),
    durationMs: 12,
    outcome: { statusCode: 200, body: 'ok', error: null, retryAfter: undefined },
    ok: true,
  });
  // A message that does not exist: its attempt row breaks the batch's statement.
  const ghost = sent({ ...claimed[0], message: { ...claimed[0].message, id: crypto.randomUUID() } });
  const record = attemptRecorder({ db, config: app.config });
  const results = await Promise.allSettled([
    record(sent(claimed[0])),
    record(ghost),
    record(sent(claimed[1])),
    record(sent(claimed[2])),
  ]);
  t.same(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
  );
  const messages = await db('webhook_messages')
    .whereIn(
      'id',
      claimed.map((c) => c.message.id),
    )
    .orderBy('id');
  t.same(
    messages.map((m) => [m.status, m.attempts, m.sendingUntil]),
    [
      ['delivered', 1, null],
      ['delivered', 1, null],
      ['delivered', 1, null],
    ],
  );
  const attempts = await db('webhook_attempts').whereIn(
    'messageId',
    messages.map((m) => m.id),
  );
  t.equal(attempts.length, 3, 'one attempt row each');
});

t.test(
  'with the default fan-out and retry schedule, a message is delivered and a failure retried',
  async (t) => {
    // Only the address guard is opened, so that the local receiver can be reached.
    const receiver = await startReceiver((_r, index) => (index === 0 ? { status: 500 } : { status: 200 }));
    t.teardown(() => receiver.close());
    const worker = await startTestTessera(t, {
      TESSERA_WEBHOOK_ALLOW_HTTP: 'true',
      TESSERA_WEBHOOK_ALLOWED_ADDRESSES: '127.0.0.1',
    });
    const endpoint = await worker.api('POST', '/v1/webhook-endpoints', {
      body: { url: receiver.url, eventTypes: ['member.*'] },
    });
    t.equal(endpoint.status, 201);
    await worker.api('PUT', '/v1/members/default-1', { body: { name: 'Default' } });
    const [failed, retried] = await receiver.waitFor(2);
    t.equal(retried.headers['webhook-id'], failed.headers['webhook-id'], 'the same message, sent again');
    const messages = await messagesWith(worker, endpoint.body.id, 'delivered');
    t.same(
      messages[0].attempts.map((a) => a.statusCode),
      [500, 200],
    );
  },
);
