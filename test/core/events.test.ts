import t from 'tap';
import { recordEvent } from '../../core/events/outbox.ts';
import { startReceiver } from '../fakes/webhook-receiver.ts';
import { connectLive } from '../helpers/live.ts';
import { startTestTessera } from '../helpers/tessera.ts';
import { fastWebhooks } from '../helpers/webhooks.ts';

const receiver = await startReceiver();
t.teardown(() => receiver.close());
const app = await startTestTessera(t, { ...fastWebhooks, TESSERA_DB_POOL_MAX: '30' });
const { api } = app;
const tenant = await app.db('tenants').where({ name: 'default' }).first();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

t.test('types filter exact names and prefixes; nextCursor is set when the page is full', async (t) => {
  await app.db.transaction(async (trx) => {
    for (const type of [
      'ledger.credited',
      'ledger.reserved',
      'webhook_endpoint.disabled',
      'webhookXendpoint.other',
    ]) {
      await recordEvent(trx, { tenantId: tenant.id, type, subject: 'filter', data: {} });
    }
  });
  const ledger = await api('GET', '/v1/events?types=ledger.*');
  t.same(
    ledger.body.data.map((e: { type: string }) => e.type),
    ['ledger.credited', 'ledger.reserved'],
  );
  const exact = await api('GET', '/v1/events?types=ledger.reserved,webhook_endpoint.*');
  t.same(
    exact.body.data.map((e: { type: string }) => e.type),
    ['ledger.reserved', 'webhook_endpoint.disabled'],
  );
  const firstPage = await api('GET', '/v1/events?limit=2');
  t.equal(firstPage.body.data.length, 2);
  t.equal(firstPage.body.nextCursor, firstPage.body.data[1].cursor);
  const rest = await api(`GET`, `/v1/events?after=${firstPage.body.nextCursor}&limit=10`);
  t.equal(rest.body.data.length, 2);
  t.equal(rest.body.nextCursor, null);
  t.equal((await api('GET', '/v1/events?types=Bad Type')).status, 400);
  t.equal((await api('GET', '/v1/events?after=12')).status, 400);
});

t.test('events are ordered by transaction id as a number, not as text', async (t) => {
  // Transaction ids 9 and 10 are long finished on any cluster; as text "10" would sort before "9".
  await app.db('events').insert([
    { tenantId: tenant.id, txId: '10', type: 'order.check', subject: 'second', data: '{}' },
    { tenantId: tenant.id, txId: '9', type: 'order.check', subject: 'first', data: '{}' },
  ]);
  const page = await api('GET', '/v1/events?types=order.check');
  t.same(
    page.body.data.map((event: { subject: string }) => event.subject),
    ['first', 'second'],
  );
  t.match(page.body.data[0].cursor, /^9_\d+$/);
});

t.test(
  'no outbox reader misses an event while 8 writers commit late: the feed, fan-out and live',
  async (t) => {
    const WRITERS = 8;
    // In the ledger channel, so that the live feed carries it too.
    const PROBE = 'ledger.late_probe';
    const endpoint = await api('POST', '/v1/webhook-endpoints', {
      body: { url: receiver.url, eventTypes: [PROBE] },
    });
    const live = await connectLive(app.url, { key: app.adminKey });
    live.send({ type: 'subscribe', channels: ['ledger'] });
    await live.waitFor((m) => m.some((x) => x.type === 'subscribed'), 'subscribed');
    const TRANSACTIONS = 25;
    const committed = new Set<string>();
    const rolledBack = new Set<string>();
    let writing = true;

    const writer = async (w: number) => {
      for (let i = 0; i < TRANSACTIONS; i++) {
        const subject = `w${w}-${i}`;
        const rollback = i % 7 === 3;
        try {
          await app.db.transaction(async (trx) => {
            await recordEvent(trx, { tenantId: tenant.id, type: PROBE, subject, data: { w, i, subject } });
            // Hold the transaction open so that later ids commit first: the classic skipped-row trap.
            await trx.raw('SELECT pg_sleep(?)', [Math.random() * 0.03]);
            await recordEvent(trx, {
              tenantId: tenant.id,
              type: PROBE,
              subject: `${subject}b`,
              data: { w, i, subject: `${subject}b` },
            });
            if (rollback) throw new Error('rolled back on purpose');
          });
          committed.add(subject).add(`${subject}b`);
        } catch (error) {
          if ((error as Error).message !== 'rolled back on purpose') throw error;
          rolledBack.add(subject).add(`${subject}b`);
        }
      }
    };

    const seen: Array<{ id: string; subject: string }> = [];
    const reader = async () => {
      let after = '';
      for (;;) {
        const done = !writing;
        const page = await api('GET', `/v1/events?types=${PROBE}&limit=7${after ? `&after=${after}` : ''}`);
        t.equal(page.status, 200);
        seen.push(...page.body.data);
        if (page.body.data.length) after = page.body.data[page.body.data.length - 1].cursor;
        if (done && page.body.data.length === 0) return;
        if (page.body.data.length === 0) await sleep(2);
      }
    };

    const reading = reader();
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    writing = false;
    await reading;

    const subjects = seen.map((event) => event.subject);
    t.equal(new Set(subjects).size, subjects.length, 'no event twice');
    t.same(new Set(subjects), committed, 'every committed event, and only those');
    t.ok(rolledBack.size > 0 && subjects.every((s) => !rolledBack.has(s)), 'no rolled-back event');
    const ids = seen.map((event) => Number(event.id));
    const outOfIdOrder = ids.some((id, index) => index > 0 && id < ids[index - 1]);
    t.ok(outOfIdOrder, 'events did commit out of id order, so a naive id cursor would have skipped some');

    const messages = async () =>
      app.db('webhookMessages').where({ endpointId: endpoint.body.id }).select('eventId', 'body');
    for (let i = 0; i < 100 && (await messages()).length < committed.size; i++) await sleep(100);
    const fannedOut = (await messages()).map((m: { body: string }) => JSON.parse(m.body).data.subject);
    t.equal(fannedOut.length, new Set(fannedOut).size, 'fan-out: no event twice');
    t.same(new Set(fannedOut), committed, 'fan-out: every committed event, and only those');

    const liveSubjects = () =>
      live
        .events()
        .filter((e) => e.event.type === PROBE)
        .map((e) => e.event.data.subject);
    await live.waitFor(() => liveSubjects().length >= committed.size, 'every event on the live feed');
    await sleep(200);
    t.equal(liveSubjects().length, new Set(liveSubjects()).size, 'live: no event twice');
    t.same(new Set(liveSubjects()), committed, 'live: every committed event, and only those');
    live.ws.close();
  },
);
