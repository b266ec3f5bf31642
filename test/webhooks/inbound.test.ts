import { Webhook } from 'standardwebhooks';
import t from 'tap';
import { startTestTessera, type TestTessera } from '../helpers/tessera.ts';

// A source system signing with the standardwebhooks library, as a customer's middleware would.
function sender(app: TestTessera, source: { id: string; secret: string }) {
  const signer = new Webhook(source.secret);
  return async (
    body: unknown,
    options: { id?: string; at?: Date; headers?: Record<string, string> } = {},
  ) => {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const id = options.id ?? `msg_${Math.random().toString(36).slice(2)}`;
    const at = options.at ?? new Date();
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signer.sign(id, at, raw),
      ...options.headers,
    };
    return app.api('POST', `/webhooks/inbound/${source.id}`, { key: null, raw, headers });
  };
}

async function withSource(t: Parameters<typeof startTestTessera>[0], env: Record<string, string> = {}) {
  const app = await startTestTessera(t, env);
  const created = await app.api('POST', '/v1/inbound-sources', { body: { name: 'pos-north', kind: 'pos' } });
  return { app, source: created.body, send: sender(app, created.body) };
}

const visit = (memberRef: string, extra: Record<string, unknown> = {}) => ({
  type: 'pos.visit',
  memberRef,
  data: { store: 'S-12', litres: 40 },
  ...extra,
});

t.test('a source is registered with a secret shown once', async (t) => {
  const { app, source } = await withSource(t);
  t.match(source, { name: 'pos-north', kind: 'pos', path: `/webhooks/inbound/${source.id}` });
  t.match(source.secret, /^whsec_/);
  const listed = await app.api('GET', '/v1/inbound-sources');
  t.equal(listed.body.data.length, 1);
  t.equal(listed.body.data[0].secret, undefined);
  const twice = await app.api('POST', '/v1/inbound-sources', { body: { name: 'pos-north', kind: 'pos' } });
  t.equal(twice.status, 409);
  t.equal(twice.body.error.code, 'inbound_source_exists');
  const integration = await app.keyFor('integration');
  const denied = await app.api('POST', '/v1/inbound-sources', {
    key: integration,
    body: { name: 'x', kind: 'hr' },
  });
  t.equal(denied.status, 403);
});

t.test('a well-signed event is taken in once, and a redelivery gets the original answer', async (t) => {
  const { app, source, send } = await withSource(t);
  await app.api('PUT', '/v1/members/m-1', { body: { name: 'Asha' } });
  const first = await send(visit('m-1', { sourceEventId: 'visit-1' }), { id: 'msg_1' });
  t.equal(first.status, 200);
  t.match(first.body, {
    type: 'pos.visit',
    source: 'pos-north',
    sourceEventId: 'visit-1',
    memberRef: 'm-1',
    status: 'accepted',
    data: { litres: 40 },
  });
  const again = await send(visit('m-1', { sourceEventId: 'visit-1' }), { id: 'msg_1' });
  t.equal(again.status, 200);
  t.equal(again.headers.get('idempotent-replayed'), 'true');
  t.same(again.body, first.body, 'the original answer');
  const intake = await app.api('GET', '/v1/events/inbound?source=pos-north');
  t.equal(intake.body.data.length, 1, 'no second effect');
  const counted = await app.api('GET', `/v1/inbound-sources/${source.id}`);
  t.equal(counted.body.acceptedCount, 1);
  t.equal(counted.body.rejectedCount, 0);
});

t.test('a batch of events, with ids derived from the webhook-id when the body has none', async (t) => {
  const { app, send } = await withSource(t);
  const answer = await send(
    { events: [visit('m-2'), visit('m-3', { member: { name: 'Ravi', country: 'IN' } })] },
    { id: 'msg_batch' },
  );
  t.equal(answer.status, 200);
  t.same(
    answer.body.events.map((e: { sourceEventId: string; status: string }) => [e.sourceEventId, e.status]),
    [
      ['msg_batch:0', 'unmatched'],
      ['msg_batch:1', 'accepted'],
    ],
  );
  t.equal((await app.api('GET', '/v1/members/m-3')).body.country, 'IN', 'the member was created');
  const unmatched = await app.api('GET', '/v1/events/inbound?status=unmatched');
  t.same(
    unmatched.body.data.map((e: { memberRef: string }) => e.memberRef),
    ['m-2'],
  );
});

t.test('unsigned, badly signed and stale requests get 401 and leave only a count', async (t) => {
  const { app, source, send } = await withSource(t);
  const raw = JSON.stringify(visit('m-4'));
  const unsigned = await app.api('POST', `/webhooks/inbound/${source.id}`, { key: null, raw });
  t.equal(unsigned.status, 401);
  t.equal(unsigned.body.error.code, 'inbound_signature_missing');

  const other = new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`);
  const now = new Date();
  const forged = await send(visit('m-4'), {
    headers: { 'webhook-signature': other.sign('msg_f', now, raw) },
  });
  t.equal(forged.status, 401);
  t.equal(forged.body.error.code, 'inbound_signature_invalid');

  const stale = await send(visit('m-4'), { at: new Date(Date.now() - 6 * 60_000) });
  t.equal(stale.status, 401);
  t.equal(stale.body.error.code, 'inbound_timestamp_stale');
  const future = await send(visit('m-4'), { at: new Date(Date.now() + 6 * 60_000) });
  t.equal(future.body.error.code, 'inbound_timestamp_stale');

  // A body changed after signing fails, even by one byte.
  const signer = new Webhook(source.secret);
  const tampered = await app.api('POST', `/webhooks/inbound/${source.id}`, {
    key: null,
    raw: `${raw} `,
    headers: {
      'webhook-id': 'msg_t',
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': signer.sign('msg_t', now, raw),
    },
  });
  t.equal(tampered.status, 401);

  const unknown = await sender(app, { id: '0190c8a4-0000-7000-8000-000000000000', secret: source.secret })(
    visit('m-4'),
  );
  t.equal(unknown.status, 401, 'an unknown source looks like a bad signature');

  t.equal((await app.api('GET', '/v1/events/inbound')).body.data.length, 0, 'nothing stored');
  const counted = await app.api('GET', `/v1/inbound-sources/${source.id}`);
  t.equal(counted.body.rejectedCount, 5);
  t.equal(counted.body.lastRejection, 'signature_invalid');
});

t.test('an oversized body is refused before it is read, and a bad one with the field at fault', async (t) => {
  const { app, send } = await withSource(t, { TESSERA_INBOUND_MAX_BYTES: '2048' });
  const big = await send(visit('m-5', { data: { note: 'x'.repeat(4096) } }));
  t.equal(big.status, 413);
  t.equal(big.body.error.code, 'payload_too_large');
  const noMember = await send({ type: 'pos.visit', data: {} });
  t.equal(noMember.status, 400);
  t.equal(noMember.body.error.code, 'validation_failed');
  const notJson = await send('{"type": ');
  t.equal(notJson.status, 400);
  t.equal(notJson.body.error.code, 'malformed_json');
  const spoofed = await send(visit('m-5', { source: 'salesforce' }));
  t.equal(spoofed.status, 400, 'a source cannot name another source');
  t.equal((await app.api('GET', '/v1/events/inbound')).body.data.length, 0);
});

t.test('the same webhook-id delivered 20 times at once is taken in once', async (t) => {
  const { app, send } = await withSource(t);
  const answers = await Promise.all(
    Array.from({ length: 20 }, () => send(visit('m-6', { sourceEventId: 'v-6' }), { id: 'msg_same' })),
  );
  t.same(new Set(answers.map((a) => a.status)), new Set([200]));
  t.equal(new Set(answers.map((a) => JSON.stringify(a.body))).size, 1, 'one answer for all');
  t.equal(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true').length, 19);
  t.equal((await app.api('GET', '/v1/events/inbound')).body.data.length, 1);
});
