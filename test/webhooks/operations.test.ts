import { Webhook } from 'standardwebhooks';
import t from 'tap';
import { messagesWith, withReceiver } from '../helpers/webhooks.ts';

t.test('a dead letter is sent again by hand', async (t) => {
  // Down for the first try and its three retries, then back.
  const { receiver, app } = await withReceiver(t, (_r, index) => ({ status: index < 4 ? 500 : 200 }));
  const endpoint = await app.api('POST', '/v1/webhook-endpoints', {
    body: { url: receiver.url, eventTypes: ['member.created'] },
  });
  await app.api('PUT', '/v1/members/m-1', { body: { name: 'Asha' } });
  const [failed] = await messagesWith(app, endpoint.body.id, 'failed');
  t.equal(failed.attempts.length, 4);

  const retried = await app.api('POST', `/v1/webhook-messages/${failed.id}/retry`, {
    headers: { 'idempotency-key': 'retry-1' },
  });
  t.equal(retried.status, 202);
  t.match(retried.body, { id: failed.id, status: 'pending' });
  const replay = await app.api('POST', `/v1/webhook-messages/${failed.id}/retry`, {
    headers: { 'idempotency-key': 'retry-1' },
  });
  t.equal(replay.headers.get('idempotent-replayed'), 'true');

  const [delivered] = await messagesWith(app, endpoint.body.id, 'delivered');
  t.equal(delivered.id, failed.id);
  t.same(
    delivered.attempts.map((a) => a.statusCode),
    [500, 500, 500, 500, 200],
  );
  t.equal(receiver.received.length, 5, 'the replayed retry sent nothing more');
  t.equal(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size, 1, 'same webhook-id');

  const unknown = await app.api('POST', '/v1/webhook-messages/0190c8a4-0000-7000-8000-000000000000/retry');
  t.equal(unknown.status, 404);
  const partner = await app.keyFor('partner', { partnerId: '3f1c9a52-8f0e-4a8e-9a59-0c3b6f0d2b11' });
  const foreign = await app.api('POST', `/v1/webhook-messages/${failed.id}/retry`, { key: partner });
  t.equal(foreign.status, 404, "another partner's message is not found");
});

t.test('a message waiting for a scheduled retry is sent now, once', async (t) => {
  // The resend's answer takes a moment, so that all three clicks land while it is in flight: a click after
  // the message is delivered is a new request to send it again.
  const { receiver, app } = await withReceiver(
    t,
    (_r, index) => (index === 0 ? { status: 500 } : { status: 200, delayMs: 500 }),
    { TESSERA_WEBHOOK_RETRY_SCHEDULE: '1h' },
  );
  const endpoint = await app.api('POST', '/v1/webhook-endpoints', {
    body: { url: receiver.url, eventTypes: ['member.created'] },
  });
  await app.api('PUT', '/v1/members/m-7', { body: { name: 'Ola' } });
  let waiting: Awaited<ReturnType<typeof messagesWith>> = [];
  for (let i = 0; i < 100 && !waiting[0]?.attempts.length; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    waiting = await messagesWith(app, endpoint.body.id, 'pending');
  }
  t.ok(Date.parse(waiting[0].nextAttemptAt ?? '') > Date.now() + 30 * 60_000, 'next try in about an hour');
  const now = await Promise.all(
    [1, 2, 3].map(() => app.api('POST', `/v1/webhook-messages/${waiting[0].id}/retry`)),
  );
  t.same(
    now.map((r) => r.status),
    [202, 202, 202],
  );
  const [delivered] = await messagesWith(app, endpoint.body.id, 'delivered');
  await new Promise((resolve) => setTimeout(resolve, 500));
  t.same(
    delivered.attempts.map((a) => a.statusCode),
    [500, 200],
  );
  t.equal(receiver.received.length, 2, 'three clicks, one more send');
});

t.test('recover resends every failed message since a time, and only those', async (t) => {
  let up = false;
  const { receiver, app } = await withReceiver(t, () => ({ status: up ? 200 : 503 }));
  const endpoint = await app.api('POST', '/v1/webhook-endpoints', {
    body: { url: receiver.url, eventTypes: ['member.*'] },
  });
  await app.api('PUT', '/v1/members/old', { body: { name: 'Before' } });
  const [early] = await messagesWith(app, endpoint.body.id, 'failed');
  await new Promise((resolve) => setTimeout(resolve, 20));
  const since = new Date().toISOString();
  await app.api('PUT', '/v1/members/r-1', { body: { name: 'One' } });
  await app.api('PUT', '/v1/members/r-2', { body: { name: 'Two' } });
  t.equal((await messagesWith(app, endpoint.body.id, 'failed', 3)).length, 3);

  up = true;
  const recovered = await app.api('POST', `/v1/webhook-endpoints/${endpoint.body.id}/recover`, {
    body: { since },
  });
  t.equal(recovered.status, 202);
  t.equal(recovered.body.recovered, 2);
  const delivered = await messagesWith(app, endpoint.body.id, 'delivered', 2);
  t.same(delivered.map((m) => m.payload.data.memberRef).sort(), ['r-1', 'r-2']);
  const stillFailed = await messagesWith(app, endpoint.body.id, 'failed');
  t.same(
    stillFailed.map((m) => m.id),
    [early.id],
    'the message before `since` stays failed',
  );

  const bad = await app.api('POST', `/v1/webhook-endpoints/${endpoint.body.id}/recover`, {
    body: { since: 'yesterday' },
  });
  t.equal(bad.status, 400);
  t.equal(bad.body.error.code, 'validation_failed');
  await app.api('PATCH', `/v1/webhook-endpoints/${endpoint.body.id}`, { body: { enabled: false } });
  const disabled = await app.api('POST', `/v1/webhook-endpoints/${endpoint.body.id}/recover`, {
    body: { since },
  });
  t.equal(disabled.status, 409);
  t.equal(disabled.body.error.code, 'webhook_endpoint_disabled');
});

t.test('a test event goes to its endpoint only, signed like any other', async (t) => {
  const { receiver, app } = await withReceiver(t);
  const target = await app.api('POST', '/v1/webhook-endpoints', {
    body: { url: `${receiver.url}/target`, eventTypes: ['ledger.*'] },
  });
  await app.api('POST', '/v1/webhook-endpoints', {
    body: { url: `${receiver.url}/other`, eventTypes: ['*'] },
  });
  const sent = await app.api('POST', `/v1/webhook-endpoints/${target.body.id}/test`);
  t.equal(sent.status, 202);
  t.equal(sent.body.type, 'webhook.test');
  const [delivery] = await receiver.waitFor(1, (r) => r.path === '/target');
  t.equal(delivery.headers['webhook-id'], sent.body.messageId);
  const payload = new Webhook(target.body.secret).verify(delivery.body, delivery.headers) as {
    type: string;
    id: string;
  };
  t.equal(payload.type, 'webhook.test');
  t.equal(payload.id, sent.body.eventId);
  await messagesWith(app, target.body.id, 'delivered');
  // Give the fan-out time to pass the test event, then check the other endpoint never got it.
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal(receiver.received.filter((r) => r.path === '/other').length, 0);
});

t.test('a 429 or 503 with Retry-After waits at least that long before the next attempt', async (t) => {
  const { receiver, app } = await withReceiver(t, (_r, index) =>
    index === 0 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 },
  );
  const endpoint = await app.api('POST', '/v1/webhook-endpoints', {
    body: { url: receiver.url, eventTypes: ['member.created'] },
  });
  await app.api('PUT', '/v1/members/m-9', { body: { name: 'Zed' } });
  const [first, second] = await receiver.waitFor(2);
  // The configured schedule says 100 ms; the receiver asked for 2 s.
  t.ok(second.at - first.at >= 1900, `waited ${second.at - first.at} ms`);
  const [message] = await messagesWith(app, endpoint.body.id, 'delivered');
  t.same(
    message.attempts.map((a) => a.statusCode),
    [429, 200],
  );
});
