// The marketplace and the Loyalife flow on one ledger: offers a member can buy (live partner, eligible,
// in stock, priced in points), orders that reserve, take a code and confirm, every failure releasing
// the points, ten orders at once never overspending, and the seed's scenario: 500 earned, 200 spent in
// the marketplace, the Loyalife balance mirror (an admin's ledger.* endpoint) told 300; Loyalife's own
// reservation through a partner key with ledger access.
import t from 'tap';
import { activeCampaign, day, eventPoster, livePartner, voucherOffer } from '../helpers/campaigns.ts';
import { apiClient } from '../helpers/tessera.ts';
import { withReceiver } from '../helpers/webhooks.ts';

t.test('the marketplace and Loyalife on one ledger', async (t) => {
  const { app, receiver } = await withReceiver(t);
  await app.api('POST', '/v1/webhook-endpoints', { body: { url: receiver.url, eventTypes: ['ledger.*'] } });
  const codes = Array.from({ length: 5 }, (_, i) => `SHOP-000${i}`);
  const { partnerId, offerId } = await voucherOffer(app, codes);
  t.equal(
    (await app.api('PATCH', `/v1/offers/${offerId}`, { body: { pointsPerUnit: 0.4 } })).body.pointsPerUnit,
    0.4,
  );
  await activeCampaign(app, { reward: { type: 'points', amount: 500 } });
  const earn = eventPoster(app);
  await earn('mia', day(1), {}, { member: { name: 'Mia', tier: 'gold' } });
  const balance = async (ref: string) => (await app.api('GET', `/v1/members/${ref}/balance`)).body.available;

  const listed = await app.api('GET', '/v1/marketplace/offers?memberRef=mia');
  t.match(listed.body.data, [
    { offerId, partnerId, denominations: [{ denomination: 500, points: 200, available: 5 }] },
  ]);
  const order = await app.api('POST', '/v1/marketplace/orders', {
    body: { memberRef: 'mia', offerId, denomination: 500 },
  });
  t.equal(order.status, 201, JSON.stringify(order.body));
  t.match(order.body, { status: 'completed', points: 200, code: 'SHOP-0000', reservationId: String });
  t.equal(await balance('mia'), 300, '500 earned, 200 spent');
  const transfer = (await app.api('GET', `/v1/ledger/transfers/${order.body.reservationId}`)).body;
  t.match(transfer, { source: 'marketplace', reference: order.body.id, partnerId, status: 'posted' });
  const mirrored = async () => {
    for (let i = 0; i < 100; i++) {
      const seen = receiver.received
        .map((r) => JSON.parse(r.body))
        .find((m) => m.type === 'ledger.confirmed' && m.data.reference === order.body.id);
      if (seen) return seen;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  t.match((await mirrored())?.data.balance, { available: 300 }, 'the balance mirror is told 300');
  const bySource = await app.api('GET', '/v1/ledger/transfers?source=marketplace');
  t.equal(bySource.body.data.length, 1);

  await t.test('every failure releases the points', async (t) => {
    const poor = await app.api('POST', '/v1/marketplace/orders', {
      body: { memberRef: 'mia', offerId, denomination: 500 },
      headers: { 'idempotency-key': 'mia-second' },
    });
    t.match(poor.body, { status: 'completed' }, 'a second order fits in 300');
    const short = await app.api('POST', '/v1/marketplace/orders', {
      body: { memberRef: 'mia', offerId, denomination: 500 },
    });
    t.match(short.body, { status: 'failed', failureReason: 'insufficient_balance', reservationId: null });
    const replay = await app.api('POST', '/v1/marketplace/orders', {
      body: { memberRef: 'mia', offerId, denomination: 500 },
      headers: { 'idempotency-key': 'mia-second' },
    });
    t.equal(replay.body.id, poor.body.id, 'the same key replays the order');

    await earn('mia', day(2));
    await app.api('PATCH', `/v1/offers/${offerId}`, { body: { eligibility: { tiers: ['platinum'] } } });
    t.same(
      (await app.api('GET', '/v1/marketplace/offers?memberRef=mia')).body.data,
      [],
      'not eligible: not listed',
    );
    const ineligible = await app.api('POST', '/v1/marketplace/orders', {
      body: { memberRef: 'mia', offerId, denomination: 500 },
    });
    t.match(ineligible.body, { status: 'failed', failureReason: 'not_eligible', reservationId: String });
    const released = (await app.api('GET', `/v1/ledger/transfers/${ineligible.body.reservationId}`)).body;
    t.equal(released.status, 'voided', 'its reservation is released');
    await app.api('PATCH', `/v1/offers/${offerId}`, { body: { eligibility: null } });
    await app.db('partners').where({ id: partnerId }).update({ stage: 'suspended' });
    const suspended = await app.api('POST', '/v1/marketplace/orders', {
      body: { memberRef: 'mia', offerId, denomination: 500 },
    });
    t.match(suspended.body, { status: 'failed', failureReason: 'partner_not_live' });
    await app.db('partners').where({ id: partnerId }).update({ stage: 'live' });
    t.equal(await balance('mia'), 600, 'nothing was spent by the failures');
    const events = (await app.api('GET', '/v1/events?types=order.*')).body.data;
    t.same(
      events.map((e: { type: string }) => e.type),
      ['order.completed', 'order.completed', 'order.failed', 'order.failed', 'order.failed'],
    );
  });

  await t.test('ten orders at once never overspend, and stock runs out cleanly', async (t) => {
    await earn('noa', day(1));
    await earn('noa', day(2));
    t.equal(await balance('noa'), 1000);
    const orders = await Promise.all(
      Array.from({ length: 10 }, () =>
        app.api('POST', '/v1/marketplace/orders', { body: { memberRef: 'noa', offerId, denomination: 500 } }),
      ),
    );
    const done = orders.filter((o) => o.body.status === 'completed');
    t.equal(done.length, 3, 'three codes were left');
    t.equal(new Set(done.map((o) => o.body.code)).size, 3, 'each its own code');
    t.ok(
      orders
        .filter((o) => o.body.status === 'failed')
        .every((o) => ['out_of_stock', 'insufficient_balance'].includes(o.body.failureReason)),
    );
    t.equal(await balance('noa'), 400, 'exactly three paid for');
    const stock = (await app.api('GET', `/v1/offers/${offerId}`)).body.stock;
    t.same(stock, [{ denomination: 500, available: 0, assigned: 5 }]);
  });

  await t.test('Loyalife reserves and confirms through its partner key', async (t) => {
    const loyalife = await livePartner(app, 'Loyalife', { ledgerAccess: 'redeem' });
    const key = await app.api('POST', '/v1/api-keys', {
      body: { name: 'Loyalife', role: 'partner', partnerId: loyalife.body.id },
    });
    const platform = apiClient(app.url, key.body.key);
    const reserved = await platform('POST', '/v1/ledger/reservations', {
      body: { memberRef: 'mia', amount: 100, source: 'loyalife', reference: 'LL-1' },
    });
    t.equal(reserved.status, 201, JSON.stringify(reserved.body));
    t.equal((await platform('POST', `/v1/ledger/reservations/${reserved.body.id}/confirm`)).status, 200);
    t.equal(await balance('mia'), 500);
    const fromLoyalife = await app.api('GET', '/v1/ledger/transfers?source=loyalife');
    t.equal(fromLoyalife.body.data[0].partnerId, loyalife.body.id);
  });
});
