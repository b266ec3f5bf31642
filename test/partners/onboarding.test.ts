// A partner from profile to live: every transition and gate, offers with terms versions and
// eligibility, UAT in sandbox (nothing it makes leaks into lists, stock or events), four eyes on going
// live and the partner's first key, then campaigns: a partner not live cannot be given, a suspended one's
// rewards fail.
import t from 'tap';
import { day, eventPoster } from '../helpers/campaigns.ts';
import { apiClient, startTestTessera } from '../helpers/tessera.ts';

t.test('a partner from profile to live', async (t) => {
  const app = await startTestTessera(t);
  const move = (id: string, stage: string, key?: string) =>
    app.api('POST', `/v1/partners/${id}/stage`, { body: { stage }, ...(key && { key }) });
  const created = await app.api('POST', '/v1/partners', { body: { name: 'FuelMart', sourcedBy: 'client' } });
  t.equal(created.status, 201);
  t.match(created.body, { stage: 'profiling', sourcedBy: 'client', profile: {}, eligibility: null });
  const id = created.body.id as string;

  const skip = await move(id, 'uat');
  t.equal(skip.status, 409);
  t.equal(skip.body.error.code, 'invalid_transition');
  const early = await move(id, 'offer_setup');
  t.equal(early.body.error.code, 'onboarding_incomplete');
  t.same(
    early.body.error.details.map((d: { gate: string }) => d.gate),
    ['profile'],
  );
  await app.api('PATCH', `/v1/partners/${id}`, {
    body: { profile: { category: 'fuel', geographies: ['IN'] } },
  });
  t.same(
    (await move(id, 'offer_setup')).body.error.details.map((d: { gate: string }) => d.gate),
    ['profile'],
  );
  const profiled = await app.api('PATCH', `/v1/partners/${id}`, {
    body: { profile: { rewardTypes: ['gift_card'], audience: 'Drivers who fill up weekly' } },
  });
  t.same(
    profiled.body.profile,
    {
      category: 'fuel',
      geographies: ['IN'],
      rewardTypes: ['gift_card'],
      audience: 'Drivers who fill up weekly',
    },
    'profile changes merge',
  );
  t.match((await move(id, 'offer_setup')).body, { stage: 'offer_setup' });

  t.same(
    (await move(id, 'eligibility')).body.error.details.map((d: { gate: string }) => d.gate),
    ['offer'],
  );
  const offer = await app.api('POST', '/v1/offers', {
    body: {
      partnerId: id,
      name: 'Fuel card',
      type: 'gift_card',
      currency: 'INR',
      denominations: { fixed: [500] },
    },
  });
  t.equal((await move(id, 'eligibility')).body.error.code, 'onboarding_incomplete', 'no expiry, no terms');
  const changed = await app.api('PATCH', `/v1/offers/${offer.body.id}`, { body: { expiryDays: 90 } });
  t.equal(changed.body.expiryDays, 90);
  t.equal((await move(id, 'eligibility')).body.error.code, 'onboarding_incomplete', 'no terms yet');
  const terms = await Promise.all(
    ['Valid at all outlets.', 'Valid at all outlets; not for lubricants.'].map((text) =>
      app.api('POST', `/v1/offers/${offer.body.id}/terms`, { body: { text } }),
    ),
  );
  t.same(
    terms.map((r) => r.status),
    [201, 201],
  );
  const versions = await app.api('GET', `/v1/offers/${offer.body.id}/terms`);
  t.same(
    versions.body.data.map((v: { version: number }) => v.version),
    [1, 2],
    'two additions at once get versions 1 and 2',
  );
  t.match((await move(id, 'eligibility')).body, { stage: 'eligibility' });

  const campaign = await app.api('POST', '/v1/campaigns', {
    body: {
      name: 'Fuel voucher',
      startsAt: '2026-01-01T00:00:00Z',
      endsAt: '2027-12-31T00:00:00Z',
      trigger: { eventType: 'pos.visit', rule: { type: 'each' } },
      reward: { type: 'voucher', offerId: offer.body.id, denomination: 500 },
    },
  });
  const notLive = await app.api('POST', `/v1/campaigns/${campaign.body.id}/activate`);
  t.equal(notLive.status, 409);
  t.equal(notLive.body.error.code, 'partner_not_live');

  t.same(
    (await move(id, 'uat')).body.error.details.map((d: { gate: string }) => d.gate),
    ['eligibility'],
  );
  await app.api('PATCH', `/v1/partners/${id}`, { body: { eligibility: { countries: ['IN'] } } });
  t.match((await move(id, 'uat')).body, { stage: 'uat' });
  t.same(
    (await move(id, 'live')).body.error.details.map((d: { gate: string }) => d.gate),
    ['uat'],
  );

  const noStock = await app.api('POST', `/v1/partners/${id}/uat-runs`, { body: { validationMethod: 'qr' } });
  t.equal(noStock.status, 201);
  t.match(noStock.body, { passed: false, offerId: offer.body.id });
  t.match(noStock.body.steps.at(-1), { step: 'issuance', ok: false, detail: /out_of_stock/ });
  await app.api('POST', `/v1/offers/${offer.body.id}/codes`, {
    body: { denomination: 500, codes: ['FUEL-0001', 'FUEL-0002'] },
  });
  const run = await app.api('POST', `/v1/partners/${id}/uat-runs`, { body: { validationMethod: 'qr' } });
  t.match(run.body, { passed: true });
  t.same(
    run.body.steps.map((s: { step: string; ok: boolean; sandbox: boolean }) => [s.step, s.ok, s.sandbox]),
    [
      ['sandbox_member', true, true],
      ['issuance', true, true],
      ['redemption', true, true],
      ['fulfilment', true, true],
    ],
  );
  t.equal((await app.api('GET', `/v1/partners/${id}/uat-runs`)).body.data.length, 2);
  for (const validationMethod of ['otp', 'pin']) {
    const checked = await app.api('POST', `/v1/partners/${id}/uat-runs`, { body: { validationMethod } });
    t.match(checked.body, { passed: true }, `a ${validationMethod} run passes`);
    t.same(
      checked.body.steps.map((s: { step: string }) => s.step),
      ['sandbox_member', 'issuance', 'redemption', 'validation', 'fulfilment'],
    );
  }
  const stock = (await app.api('GET', `/v1/offers/${offer.body.id}`)).body.stock;
  t.same(stock, [{ denomination: 500, available: 2, assigned: 0 }], 'UAT used up no code');
  t.same((await app.api('GET', '/v1/issuances')).body.data, [], 'no issuance is left');
  t.same((await app.api('GET', '/v1/redemptions')).body.data, [], 'no redemption is left');
  t.equal((await app.db('members').where('externalRef', 'like', 'uat-%')).length, 0, 'no sandbox member');
  const leaked = (await app.api('GET', '/v1/events?types=issuance.*,redemption.*,member.*')).body.data;
  t.same(leaked, [], 'and no event reached the outbox');

  const sameKey = await move(id, 'live');
  t.equal(sameKey.status, 409);
  t.equal(sameKey.body.error.code, 'four_eyes_required');
  const otherAdmin = await app.keyFor('admin');
  const goLive = () =>
    app.api('POST', `/v1/partners/${id}/stage`, {
      body: { stage: 'live' },
      key: otherAdmin,
      headers: { 'idempotency-key': 'go-live' },
    });
  const live = await goLive();
  t.equal(live.status, 200, JSON.stringify(live.body));
  const replayed = await goLive();
  t.equal(replayed.body.apiKey.key, null, 'a replay does not show the key again');
  t.equal(replayed.body.apiKey.id, live.body.apiKey.id);
  t.match(live.body, { stage: 'live', wentLiveAt: String, apiKey: { role: 'partner', key: String } });
  const partnerApi = apiClient(app.url, live.body.apiKey.key);
  t.equal((await partnerApi('GET', `/v1/partners/${id}`)).body.name, 'FuelMart', 'the first key works');
  const changes = (await app.api('GET', '/v1/events?types=partner.stage_changed')).body.data;
  t.same(
    changes.map((e: { data: { to: string } }) => e.data.to),
    ['offer_setup', 'eligibility', 'uat', 'live'],
  );
  const audited = await app.api('GET', `/v1/audit?entityType=partner&entityId=${id}`);
  t.ok(
    audited.body.data.filter((a: { action: string }) => a.action === 'partner.stage_changed').length === 4,
    'every transition audited',
  );

  t.equal((await app.api('POST', `/v1/campaigns/${campaign.body.id}/activate`)).status, 200);
  const poster = eventPoster(app);
  const inIndia = { member: { name: 'Driver', country: 'IN' } };
  const post = (ref: string, when: string) => poster(ref, when, {}, inIndia);
  const abroad = await poster('driver-0', day(1), {}, { member: { name: 'Driver', country: 'AE' } });
  t.match(abroad.outcomes[0], { outcome: 'not_eligible' }, "outside the partner's eligibility: no voucher");
  const first = await post('driver-1', day(1));
  t.equal(first.outcomes[0].issuance.status, 'fulfilled');
  const empty = await app.api('POST', '/v1/offers', {
    body: {
      partnerId: id,
      name: 'Empty card',
      type: 'gift_card',
      currency: 'INR',
      denominations: { fixed: [100] },
    },
  });
  const failing = await app.api('POST', `/v1/partners/${id}/uat-runs`, { body: { offerId: empty.body.id } });
  t.equal(failing.body.passed, false);
  t.match(
    (await move(id, 'suspended')).body,
    { stage: 'suspended' },
    'a failed later run does not hold back suspension',
  );
  const suspended = await post('driver-2', day(1));
  const failed = await app.api('GET', `/v1/issuances/${suspended.outcomes[0].issuance.id}`);
  t.match(failed.body, { status: 'failed', failureReason: 'partner_suspended' });
  const resumed = await move(id, 'live');
  t.equal(resumed.status, 200, 'resuming passes no gates');
  t.notOk(resumed.body.apiKey, 'the first key is given once');
  t.equal((await post('driver-3', day(1))).outcomes[0].issuance.status, 'fulfilled');
  const stats = (await app.api('GET', `/v1/campaigns/${campaign.body.id}`)).body.stats;
  t.match(stats, { issued: 2, fulfilled: 2 }, "the suspended partner's failed reward gave its share back");
});
