import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import t from 'tap';
import type { Received } from '../fakes/webhook-receiver.ts';
import { startTestTessera } from '../helpers/tessera.ts';
import { type MessageView, messagesWith, withReceiver as setUp } from '../helpers/webhooks.ts';

const verifyBoth = (secret: string, received: Received) => {
  const standard = new StandardWebhook(secret).verify(received.body, received.headers);
  const svix = new SvixWebhook(secret).verify(received.body, received.headers);
  return { standard, svix };
};

t.test('a subscribed endpoint receives signed events that standardwebhooks and svix verify', async (t) => {
  const { receiver, app } = await setUp(t);
  const created = await app.api('POST', '/v1/webhook-endpoints', {
    body: { url: `${receiver.url}/hooks`, eventTypes: ['member.*'], description: 'CRM' },
  });
  t.equal(created.status, 201);
  t.match(created.body.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  const listed = await app.api('GET', '/v1/webhook-endpoints');
  t.equal(listed.body.data[0].secret, undefined, 'the secret is shown only once');

  await app.api('PUT', '/v1/members/m-1', { body: { name: 'Asha' } });
  const [delivery] = await receiver.waitFor(1);
  t.equal(delivery.path, '/hooks');
  t.equal(delivery.headers['content-type'], 'application/json');
  const payload = JSON.parse(delivery.body);
  t.equal(payload.type, 'member.created');
  t.match(payload, { id: String, createdAt: String, data: { memberRef: 'm-1' } });
  const { standard, svix } = verifyBoth(created.body.secret, delivery);
  t.same(standard, payload, 'standardwebhooks verifies the delivery');
  t.same(svix, payload, 'svix verifies the delivery');
  t.throws(
    () => new StandardWebhook(created.body.secret).verify(`${delivery.body} `, delivery.headers),
    'a changed body fails',
  );

  const messages = await messagesWith(app, created.body.id, 'delivered');
  t.equal(messages.length, 1);
  t.equal(messages[0].id, delivery.headers['webhook-id']);
  // The receiver is an allow-listed internal address: its answer's status is kept, never its page.
  t.match(messages[0].attempts, [{ attempt: 1, statusCode: 200, responseBody: null }]);
});

t.test(
  'failed attempts are retried on the schedule, with the same webhook-id, until delivered',
  async (t) => {
    const { receiver, app } = await setUp(t, (_r, index) => ({ status: index < 2 ? 500 : 200 }));
    const created = await app.api('POST', '/v1/webhook-endpoints', {
      body: { url: receiver.url, eventTypes: ['member.created'] },
    });
    await app.api('PUT', '/v1/members/m-2', { body: { name: 'Ravi' } });
    const deliveries = await receiver.waitFor(3);
    t.equal(new Set(deliveries.map((d) => d.headers['webhook-id'])).size, 1, 'one message, three attempts');
    t.equal(new Set(deliveries.map((d) => d.body)).size, 1, 'the same body every time');
    const [message] = await messagesWith(app, created.body.id, 'delivered');
    t.equal(message?.status, 'delivered');
    t.same(
      message?.attempts.map((a) => a.statusCode),
      [500, 500, 200],
    );
  },
);

t.test('after the last attempt the message is failed; 410 disables the endpoint', async (t) => {
  const { receiver, app } = await setUp(t, (received) => ({
    status: received.path === '/gone' ? 410 : 503,
  }));
  const failing = await app.api('POST', '/v1/webhook-endpoints', {
    body: { url: `${receiver.url}/down`, eventTypes: ['member.created'] },
  });
  const gone = await app.api('POST', '/v1/webhook-endpoints', {
    body: { url: `${receiver.url}/gone`, eventTypes: ['member.created'] },
  });
  await app.api('PUT', '/v1/members/m-3', { body: { name: 'Mei' } });
  await receiver.waitFor(4, (r) => r.path === '/down');
  await receiver.waitFor(1, (r) => r.path === '/gone');
  const failed = await messagesWith(app, failing.body.id, 'failed');
  t.equal(failed.length, 1, 'dead letter after the first try and three retries');
  const endpoint = await app.api('GET', `/v1/webhook-endpoints/${gone.body.id}`);
  t.equal(endpoint.body.enabled, false);
  t.match(endpoint.body.disabledReason, /410/);
  const events = await app.api('GET', '/v1/events?types=webhook_endpoint.disabled');
  t.equal(events.body.data.length, 1, 'the disabling is recorded as an event');
  t.equal(receiver.received.filter((r) => r.path === '/gone').length, 1, 'a gone endpoint is not retried');
});

t.test('after a rotation both secrets sign, and each verifies', async (t) => {
  const { receiver, app } = await setUp(t);
  const created = await app.api('POST', '/v1/webhook-endpoints', {
    body: { url: receiver.url, eventTypes: ['*'] },
  });
  const rotated = await app.api('POST', `/v1/webhook-endpoints/${created.body.id}/rotate-secret`);
  t.equal(rotated.status, 200);
  t.not(rotated.body.secret, created.body.secret);
  await app.api('PUT', '/v1/members/m-4', { body: { name: 'Lee' } });
  const [delivery] = await receiver.waitFor(1);
  t.equal(delivery.headers['webhook-signature'].split(' ').length, 2, 'two signatures');
  for (const secret of [created.body.secret, rotated.body.secret]) {
    t.same(new StandardWebhook(secret).verify(delivery.body, delivery.headers), JSON.parse(delivery.body));
  }
});

t.test('a partner key manages only its own endpoints, which receive only its events', async (t) => {
  const { receiver, app } = await setUp(t);
  const partnerId = (await app.api('POST', '/v1/partners', { body: { name: 'Hooked partner' } })).body.id;
  const partnerKey = await app.keyFor('partner', { partnerId });
  const refused = await app.api('POST', '/v1/webhook-endpoints', {
    key: partnerKey,
    body: { url: `${receiver.url}/partner`, eventTypes: ['ledger.*'] },
  });
  t.equal(refused.status, 400, 'the operator’s allow-list is not for partner endpoints');
  t.equal(refused.body.error.code, 'webhook_url_refused');
  // One saved before the allow-list was limited to admins: it still exists, but is never reached.
  const [mine] = await app
    .db('webhook_endpoints')
    .insert({
      tenantId: (await app.db('tenants').first('id')).id,
      partnerId,
      url: `${receiver.url}/partner`,
      eventTypes: ['ledger.*'],
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    })
    .returning('id');
  const admins = await app.api('POST', '/v1/webhook-endpoints', {
    body: { url: `${receiver.url}/admin`, eventTypes: ['ledger.*'] },
  });
  t.equal((await app.api('GET', `/v1/webhook-endpoints/${admins.body.id}`, { key: partnerKey })).status, 404);
  t.equal((await app.api('GET', '/v1/webhook-endpoints', { key: partnerKey })).body.data.length, 1);
  const viewer = await app.keyFor('viewer');
  t.equal((await app.api('GET', '/v1/webhook-endpoints', { key: viewer })).status, 403);

  await app.api('PUT', '/v1/members/m-5', { body: { name: 'Noor' } });
  await app.api('POST', '/v1/ledger/credits', { body: { memberRef: 'm-5', amount: 100, source: 'admin' } });
  await app.api('POST', '/v1/ledger/credits', {
    body: { memberRef: 'm-5', amount: 7, source: 'partner', partnerId },
  });
  await receiver.waitFor(2, (r) => r.path === '/admin');
  const theirs = await messagesWith(app, mine.id, 'failed');
  t.equal(theirs.length, 1, 'only the partner’s own event');
  t.equal(theirs[0].payload.data.amount, 7);
  t.ok(theirs[0].attempts.length > 0, 'attempted');
  t.ok(
    theirs[0].attempts.every((a) => a.statusCode === null),
    'refused without connecting',
  );
  t.equal(receiver.received.filter((r) => r.path === '/partner').length, 0, 'nothing reached the address');
});

t.test('internal addresses and plain http are refused unless the operator allows them', async (t) => {
  const app = await startTestTessera(t);
  for (const url of [
    'https://127.0.0.1/hook',
    'https://169.254.169.254/latest/meta-data',
    'https://10.0.0.1/hook',
    'https://localhost/hook',
    'https://[::1]/hook',
  ]) {
    const refused = await app.api('POST', '/v1/webhook-endpoints', { body: { url, eventTypes: ['*'] } });
    t.equal(refused.status, 400, url);
    t.equal(refused.body.error.code, 'webhook_url_refused', url);
  }
  const http = await app.api('POST', '/v1/webhook-endpoints', {
    body: { url: 'http://example.com/hook', eventTypes: ['*'] },
  });
  t.equal(http.body.error.code, 'webhook_url_refused');
  t.match(http.body.error.message, /https/);
  const bad = await app.api('POST', '/v1/webhook-endpoints', { body: { url: 'not a url', eventTypes: [] } });
  t.equal(bad.status, 400);
  t.equal(bad.body.error.code, 'validation_failed');
});

t.test(
  'with the default retry schedule, failures are recorded and retried after 5 s, then 5 min',
  async (t) => {
    const { receiver, app } = await setUp(t, () => ({ status: 500 }), {
      TESSERA_WEBHOOK_RETRY_SCHEDULE: '',
    });
    t.equal(app.config.webhookRetrySchedule[0], 5_000, 'the default schedule, parsed');
    const created = await app.api('POST', '/v1/webhook-endpoints', {
      body: { url: receiver.url, eventTypes: ['member.created'] },
    });
    await app.api('PUT', '/v1/members/m-default', { body: { name: 'Default' } });
    const sinceFirst = (message: MessageView) => Date.parse(message.nextAttemptAt as string) - Date.now();
    const waitForAttempts = async (count: number) => {
      for (let i = 0; i < 150; i++) {
        const [message] = await messagesWith(app, created.body.id, 'pending');
        // The message and its attempts are two reads: the next attempt's time is the one set with them.
        if (message?.attempts.length === count && message.nextAttemptAt && sinceFirst(message) > 0)
          return message;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`no message with ${count} recorded attempts`);
    };
    const first = await waitForAttempts(1);
    t.equal(first.attempts[0].statusCode, 500, 'the failed attempt is recorded');
    t.ok(
      sinceFirst(first) > 3_000 && sinceFirst(first) <= 6_000,
      `next try in ~5 s (${sinceFirst(first)} ms)`,
    );
    const second = await waitForAttempts(2);
    t.ok(
      sinceFirst(second) > 230_000 && sinceFirst(second) <= 360_000,
      `then in ~5 min (${sinceFirst(second)} ms)`,
    );
    t.equal(receiver.received.length, 2, 'no retry loop in between');
  },
);
