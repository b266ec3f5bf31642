import t from 'tap';
import { activeCampaign, day, eventPoster } from '../helpers/campaigns.ts';
import { startTestTessera } from '../helpers/tessera.ts';

t.test('frequency: the third visit within 30 days earns one reward, and consumes the visits', async (t) => {
  const app = await startTestTessera(t);
  const campaign = await activeCampaign(app, {
    trigger: { eventType: 'pos.visit', rule: { type: 'frequency', count: 3, windowDays: 30 } },
  });
  const visit = eventPoster(app);
  const first = await visit('m-a', day(1));
  t.match(first.outcomes, [
    { campaignId: campaign.id, outcome: 'progress', progress: { current: 1, target: 3 } },
  ]);
  t.match((await visit('m-a', day(10))).outcomes, [
    { outcome: 'progress', progress: { current: 2, target: 3 } },
  ]);
  const third = await visit('m-a', day(29));
  t.match(third.outcomes, [{ outcome: 'issued', issuance: { id: String, status: 'fulfilled' } }]);
  t.match(
    (await visit('m-a', day(30))).outcomes,
    [{ outcome: 'progress', progress: { current: 1 } }],
    'consumed',
  );

  await visit('m-b', day(1));
  await visit('m-b', day(10));
  const late = await visit('m-b', day(40));
  t.match(
    late.outcomes,
    [{ outcome: 'progress', progress: { current: 1, target: 3 } }],
    'days 1, 10, 40: none',
  );

  // A visit reported late counts in the window it belongs to.
  await visit('m-c', day(1));
  await visit('m-c', day(29));
  t.match(
    (await visit('m-c', day(10))).outcomes,
    [{ outcome: 'issued' }],
    'a late visit completes the window',
  );

  const balance = await app.api('GET', '/v1/members/m-a/balance');
  t.equal(balance.body.available, 100, 'the reward was credited through the ledger');
  const issued = await app.api('GET', `/v1/issuances?campaignId=${campaign.id}`);
  t.equal(issued.body.data.length, 2);
});

t.test(
  'cumulative: litres add up across events; the counted amount is consumed and the rest carried',
  async (t) => {
    const app = await startTestTessera(t);
    await activeCampaign(app, {
      trigger: {
        eventType: 'pos.fuel',
        rule: { type: 'cumulative', field: 'data.fuelLitres', target: 100, windowDays: 30 },
      },
    });
    await activeCampaign(app, {
      trigger: { eventType: 'pos.spend', rule: { type: 'cumulative', field: 'data.amount', target: 100 } },
    });
    const fuel = eventPoster(app, 'pos.fuel');
    t.match((await fuel('m-1', day(1), { fuelLitres: 60 })).outcomes, [
      { outcome: 'progress', progress: { current: 60, target: 100 } },
    ]);
    t.match((await fuel('m-1', day(2), { fuelLitres: 50 })).outcomes, [{ outcome: 'issued' }]);
    t.match(
      (await fuel('m-1', day(3), { fuelLitres: 5 })).outcomes,
      [{ outcome: 'progress', progress: { current: 15 } }],
      '10 carried',
    );
    // Outside the 30-day window the carried litres no longer count.
    t.match((await fuel('m-1', day(20).replace('-09-', '-10-'), { fuelLitres: 5 })).outcomes, [
      { outcome: 'progress', progress: { current: 5 } },
    ]);

    const spend = eventPoster(app, 'pos.spend');
    const big = await spend('m-2', day(1), { amount: 250 });
    t.equal(big.outcomes[0].outcome, 'issued');
    t.equal(big.outcomes[0].issuances.length, 2, '250 against 100 earns two rewards');
    t.match(
      (await spend('m-2', day(2), { amount: 10 })).outcomes,
      [{ outcome: 'progress', progress: { current: 60 } }],
      '50 carried',
    );
    t.match((await spend('m-2', day(3), { note: 'no amount' })).outcomes, [
      { outcome: 'not_eligible', reason: 'missing_field' },
    ]);

    // Refunds take back progress not yet rewarded, below zero if need be; rewards are not clawed back.
    t.match((await spend('m-2', day(4), { amount: -100 })).outcomes, [
      { outcome: 'progress', progress: { current: -40 } },
    ]);
    t.match((await spend('m-2', day(5), { amount: 130 })).outcomes, [
      { outcome: 'progress', progress: { current: 90 } },
    ]);
    t.match((await spend('m-2', day(6), { amount: 10 })).outcomes, [{ outcome: 'issued' }]);
    t.match((await fuel('m-3', day(1), { fuelLitres: 100 })).outcomes, [{ outcome: 'issued' }]);
    t.match((await fuel('m-3', day(2), { fuelLitres: '-100' })).outcomes, [
      { outcome: 'progress', progress: { current: -100 } },
    ]);
    t.match((await fuel('m-3', day(3), { fuelLitres: 150 })).outcomes, [
      { outcome: 'progress', progress: { current: 50 } },
    ]);
    t.match(
      (await fuel('m-3', day(4), { fuelLitres: 50 })).outcomes,
      [{ outcome: 'issued' }],
      'the refunded 100 litres made up',
    );
  },
);

t.test('threshold, each with conditions, direct, dates and eligibility', async (t) => {
  const app = await startTestTessera(t);
  await activeCampaign(app, {
    trigger: { eventType: 'pos.purchase', rule: { type: 'threshold', field: 'data.amount', min: 100 } },
  });
  await activeCampaign(app, {
    trigger: {
      eventType: 'pos.visit',
      rule: { type: 'each', where: [{ path: 'data.station', op: 'in', value: ['S1', 'S2'] }] },
    },
    eligibility: { segments: ['gold', 'silver'] },
  });
  await activeCampaign(app, {
    startsAt: '2026-06-01T00:00:00Z',
    endsAt: '2026-07-01T00:00:00Z',
    trigger: { eventType: 'crm.deal_closed', rule: { type: 'direct' } },
  });
  const purchase = eventPoster(app, 'pos.purchase');
  t.match((await purchase('m-1', day(1), { amount: 80 })).outcomes, [
    { outcome: 'not_eligible', reason: 'below_threshold' },
  ]);
  t.match((await purchase('m-1', day(2), { amount: 120 })).outcomes, [{ outcome: 'issued' }]);

  await app.api('PUT', '/v1/members/gold-1', { body: { segments: ['gold'] } });
  await app.api('PUT', '/v1/members/plain-1', { body: { segments: [] } });
  const visit = eventPoster(app, 'pos.visit');
  t.match((await visit('gold-1', day(1), { station: 'S2' })).outcomes, [{ outcome: 'issued' }]);
  t.match((await visit('gold-1', day(1), { station: 'S9' })).outcomes, [
    { outcome: 'not_eligible', reason: 'conditions_not_met' },
  ]);
  t.match((await visit('plain-1', day(1), { station: 'S1' })).outcomes, [
    { outcome: 'not_eligible', reason: 'member_not_eligible' },
  ]);

  const deal = eventPoster(app, 'crm.deal_closed');
  t.match((await deal('m-3', '2026-06-15T00:00:00Z')).outcomes, [{ outcome: 'issued' }]);
  t.match(
    (await deal('m-3', '2026-05-31T23:59:00Z')).outcomes,
    [{ outcome: 'outside_dates' }],
    'before start',
  );
  t.match((await deal('m-3', '2026-07-01T00:00:00Z')).outcomes, [{ outcome: 'outside_dates' }], 'after end');
  t.same((await eventPoster(app, 'pos.other')('m-3', day(1))).outcomes, [], 'no campaign listens');
});

t.test('a duplicate event answers its original outcome and issues nothing more', async (t) => {
  const app = await startTestTessera(t);
  const campaign = await activeCampaign(app, {});
  const body = {
    type: 'pos.visit',
    source: 'pos-n',
    sourceEventId: 'v-1',
    memberRef: 'm-1',
    member: { name: 'M' },
    data: {},
  };
  const first = await app.api('POST', '/v1/events', { body });
  const again = await app.api('POST', '/v1/events', { body });
  t.equal(first.status, 201);
  t.equal(again.status, 200);
  t.same(again.body.outcomes, first.body.outcomes);
  t.equal((await app.api('GET', `/v1/issuances?campaignId=${campaign.id}`)).body.data.length, 1);
  const unmatched = await app.api('POST', '/v1/events', {
    body: { ...body, sourceEventId: 'v-2', memberRef: 'nobody', member: undefined },
  });
  t.equal(unmatched.body.status, 'unmatched');
  t.same(unmatched.body.outcomes, []);
  const events = await app.api('GET', '/v1/events?types=event.unmatched');
  t.equal(events.body.data.length, 1);
});
