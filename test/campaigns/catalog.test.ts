import t from 'tap';
import { activeCampaign, day, eventPoster, livePartner } from '../helpers/campaigns.ts';
import { startTestTessera, type TestTessera } from '../helpers/tessera.ts';

async function giftCard(app: TestTessera) {
  const partner = await livePartner(app, 'FuelMart');
  const offer = await app.api('POST', '/v1/offers', {
    body: {
      partnerId: partner.body.id,
      name: 'FuelMart gift card',
      type: 'gift_card',
      currency: 'INR',
      denominations: { fixed: [500, 1000] },
      expiryDays: 365,
      country: 'IN',
    },
  });
  t.equal(offer.status, 201);
  return { partnerId: partner.body.id as string, offerId: offer.body.id as string };
}

t.test('voucher codes load per denomination, all or none, by JSON or CSV', async (t) => {
  const app = await startTestTessera(t);
  const { partnerId, offerId } = await giftCard(app);
  const json = await app.api('POST', `/v1/offers/${offerId}/codes`, {
    body: { denomination: 500, codes: ['FM-500-AAAA', 'FM-500-BBBB'] },
  });
  t.equal(json.status, 201);
  t.same(json.body.stock, [{ denomination: 500, available: 2, assigned: 0 }]);

  const csv = 'code,denomination\nFM-1K-CCCC,1000\nFM-1K-DDDD,1000\n';
  const fromCsv = await app.api('POST', `/v1/offers/${offerId}/codes`, {
    raw: csv,
    headers: { 'content-type': 'text/csv' },
  });
  t.equal(fromCsv.status, 201, JSON.stringify(fromCsv.body));
  t.equal(fromCsv.body.loaded, 2);

  const again = await app.api('POST', `/v1/offers/${offerId}/codes`, {
    body: { denomination: 500, codes: ['FM-500-EEEE', 'FM-500-AAAA'] },
  });
  t.equal(again.status, 409);
  t.equal(again.body.error.code, 'duplicate_codes');
  t.same(again.body.error.details, [{ code: '••••AAAA' }], 'named, masked');
  const twice = await app.api('POST', `/v1/offers/${offerId}/codes`, {
    body: { denomination: 500, codes: ['X-1234', 'X-1234'] },
  });
  t.equal(twice.body.error.code, 'duplicate_codes');
  const wrong = await app.api('POST', `/v1/offers/${offerId}/codes`, {
    body: { denomination: 750, codes: ['Y-12345'] },
  });
  t.equal(wrong.body.error.code, 'invalid_denomination');
  const badCsv = await app.api('POST', `/v1/offers/${offerId}/codes`, {
    raw: 'code\n"unterminated',
    headers: { 'content-type': 'text/csv' },
  });
  t.equal(badCsv.status, 400);

  const offer = await app.api('GET', `/v1/offers/${offerId}`);
  t.same(
    offer.body.stock,
    [
      { denomination: 500, available: 2, assigned: 0 },
      { denomination: 1000, available: 2, assigned: 0 },
    ],
    'refused uploads loaded nothing',
  );

  const mine = await app.keyFor('partner', { partnerId });
  t.equal((await app.api('GET', '/v1/offers', { key: mine })).body.data.length, 1);
  const other = await app.keyFor('partner', { partnerId: '3f1c9a52-8f0e-4a8e-9a59-0c3b6f0d2b11' });
  t.equal((await app.api('GET', '/v1/offers', { key: other })).body.data.length, 0);
  t.equal((await app.api('GET', `/v1/offers/${offerId}`, { key: other })).status, 404);
  t.equal(
    (
      await app.api('POST', `/v1/offers/${offerId}/codes`, {
        key: mine,
        body: { denomination: 500, codes: ['Z-99999'] },
      })
    ).status,
    403,
  );
});

t.test(
  'voucher rewards: a code each, masked for all but admins; out of stock fails and gives the cap back',
  async (t) => {
    const app = await startTestTessera(t);
    const { offerId } = await giftCard(app);
    await app.api('POST', `/v1/offers/${offerId}/codes`, {
      body: { denomination: 500, codes: ['FM-500-AAAA'] },
    });
    const campaign = await activeCampaign(app, {
      reward: { type: 'voucher', offerId, denomination: 500 },
      maxRewards: 5,
      budget: { amount: 2500 },
    });
    const visit = eventPoster(app);
    const first = (await visit('m-1', day(1))).outcomes[0];
    t.match(first, { outcome: 'issued', issuance: { status: 'fulfilled' } });
    const viewer = await app.keyFor('viewer');
    t.equal(
      (await app.api('GET', `/v1/issuances/${first.issuance.id}`, { key: viewer })).body.voucherCode,
      '••••AAAA',
    );
    t.equal((await app.api('GET', `/v1/issuances/${first.issuance.id}`)).body.voucherCode, 'FM-500-AAAA');

    const second = (await visit('m-2', day(1))).outcomes[0];
    t.match(second, { outcome: 'issued', issuance: { status: 'failed' } });
    const failed = await app.api('GET', `/v1/issuances/${second.issuance.id}`);
    t.match(failed.body, { status: 'failed', failureReason: 'out_of_stock', voucherCode: null });
    t.match((await app.api('GET', `/v1/campaigns/${campaign.id}`)).body.stats, {
      issued: 1,
      budgetSpent: 500,
      budgetRemaining: 2000,
    });
    const fulfilled = (await app.api('GET', '/v1/events?types=issuance.fulfilled')).body.data;
    t.equal(fulfilled[0].data.voucherLast4, 'AAAA');
    t.notOk(JSON.stringify(fulfilled).includes('FM-500-AAAA'), 'events never carry the full code');
  },
);

t.test('under concurrency each code goes to exactly one issuance', async (t) => {
  const app = await startTestTessera(t);
  const { offerId } = await giftCard(app);
  const codes = Array.from({ length: 20 }, (_, i) => `FM-1K-${String(i).padStart(4, '0')}`);
  await app.api('POST', `/v1/offers/${offerId}/codes`, { body: { denomination: 1000, codes } });
  const campaign = await activeCampaign(app, { reward: { type: 'voucher', offerId, denomination: 1000 } });
  await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      app.api('POST', '/v1/events', {
        body: {
          type: 'pos.visit',
          source: 'pos',
          sourceEventId: `v-${i}`,
          memberRef: `m-${i}`,
          member: { name: 'M' },
          data: {},
        },
      }),
    ),
  );
  const rows = await app.db('issuances').where({ campaignId: campaign.id });
  t.equal(rows.filter((r) => r.status === 'fulfilled').length, 20);
  t.equal(rows.filter((r) => r.status === 'failed').length, 10);
  const assigned = rows.map((r) => r.voucherCodeId).filter(Boolean);
  t.equal(new Set(assigned).size, 20, 'no code twice');
  t.same((await app.api('GET', `/v1/offers/${offerId}`)).body.stock, [
    { denomination: 1000, available: 0, assigned: 20 },
  ]);
});

t.test(
  "an integration key resending an admin's send-reward with the same Idempotency-Key never sees the full code",
  async (t) => {
    const app = await startTestTessera(t);
    const { offerId } = await giftCard(app);
    await app.api('POST', `/v1/offers/${offerId}/codes`, {
      body: { denomination: 500, codes: ['FM-500-SECRET', 'FM-500-OTHER'] },
    });
    const campaign = await activeCampaign(app, {
      trigger: { eventType: 'manual.reward', rule: { type: 'direct' } },
      reward: { type: 'voucher', offerId, denomination: 500 },
    });
    await app.api('PUT', '/v1/members/m-code', { body: { name: 'Code' } });
    const body = { campaignId: campaign.id, memberRef: 'm-code' };
    const headers = { 'idempotency-key': 'shared-reward-key' };
    const admins = await app.api('POST', '/v1/issuances', { body, headers });
    t.equal(admins.status, 201, JSON.stringify(admins.body));
    t.equal(admins.body.voucherCode, 'FM-500-SECRET', 'admins see the full code');
    const integration = await app.keyFor('integration');
    const theirs = await app.api('POST', '/v1/issuances', { key: integration, body, headers });
    t.equal(theirs.headers.get('idempotent-replayed'), null, "not the admin's stored answer");
    t.notOk(JSON.stringify(theirs.body).includes('FM-500-SECRET'), 'the full code is not shown');
  },
);

t.test('partners list in name order, paged like every list', async (t) => {
  const app = await startTestTessera(t);
  for (const name of ['Cinema', 'Airline', 'Bakery'])
    await app.api('POST', '/v1/partners', { body: { name } });
  const first = await app.api('GET', '/v1/partners?limit=2');
  t.same(
    first.body.data.map((p: { name: string }) => p.name),
    ['Airline', 'Bakery'],
  );
  t.type(first.body.nextCursor, 'string');
  const second = await app.api('GET', `/v1/partners?limit=2&cursor=${first.body.nextCursor}`);
  t.same(
    second.body.data.map((p: { name: string }) => p.name),
    ['Cinema'],
  );
  t.equal(second.body.nextCursor, null);
  t.equal((await app.api('GET', '/v1/partners?cursor=nonsense')).body.error?.code, 'invalid_cursor');
  const renamed = await app.api('PATCH', `/v1/partners/${second.body.data[0].id}`, {
    body: { name: 'Airline' },
  });
  t.equal(renamed.status, 409);
  t.equal(renamed.body.error.code, 'partner_exists', 'names stay unique in a tenant');
});
