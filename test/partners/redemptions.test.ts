// Redemptions recorded by partners for their own offers (another partner's is not found) and by admins:
// a code redeems once, also when ten redemptions of it come at once; unassigned, redeemed and voided
// codes are refused with their status; the member's tier is a token; events reach the partner; lists
// keep a partner to its own rows.
import t from 'tap';
import { activeCampaign, day, eventPoster, voucherOffer } from '../helpers/campaigns.ts';
import { apiClient, startTestTessera } from '../helpers/tessera.ts';

t.test('recording redemptions', async (t) => {
  const app = await startTestTessera(t);
  const codes = Array.from({ length: 6 }, (_, i) => `CAFE-000${i}`);
  const { partnerId, offerId } = await voucherOffer(app, codes);
  const other = await voucherOffer(app, ['TEA-0001'], 'TeaCo');
  await activeCampaign(app, { reward: { type: 'voucher', offerId, denomination: 500 } });
  const post = eventPoster(app);
  const given: string[] = [];
  for (const ref of ['ana', 'bo', 'cy']) {
    await app.api('PUT', `/v1/members/${ref}`, { body: { tier: ref === 'cy' ? 'silver' : 'gold' } });
    const outcome = await post(ref, day(1));
    given.push((await app.api('GET', `/v1/issuances/${outcome.outcomes[0].issuance.id}`)).body.voucherCode);
  }
  const partner = apiClient(app.url, await app.keyFor('partner', { partnerId }));
  const stranger = apiClient(app.url, await app.keyFor('partner', { partnerId: other.partnerId }));
  const redeem = (api: typeof partner, body: Record<string, unknown>) =>
    api('POST', '/v1/redemptions', {
      body: { offerId, channel: 'in_store', validationMethod: 'code', storeId: 'S-12', ...body },
    });

  const first = await redeem(partner, { code: given[0], location: 'Pune' });
  t.equal(first.status, 201, JSON.stringify(first.body));
  t.match(first.body, { partnerId, memberRef: 'ana', status: 'successful', tier: /^tier_[0-9a-f]{16}$/ });
  t.equal((await redeem(stranger, { code: given[1] })).status, 404, "another partner's offer is not found");
  const twice = await redeem(partner, { code: given[0] });
  t.equal(twice.status, 409);
  t.same(twice.body.error.details, [{ status: 'redeemed' }]);
  t.same((await redeem(partner, { code: codes[5] })).body.error.details, [{ status: 'unassigned' }]);
  await app.db('voucherCodes').where({ code: given[2] }).update({ voidedAt: new Date() });
  t.same((await redeem(partner, { code: given[2] })).body.error.details, [{ status: 'voided' }]);
  t.equal((await redeem(partner, { code: 'NOPE-0000' })).body.error.code, 'code_not_found');

  const race = await Promise.all(Array.from({ length: 10 }, () => redeem(partner, { code: given[1] })));
  t.same(race.map((r) => r.status).sort(), [201, ...Array(9).fill(409)], 'ten at once: one wins');
  const bo = race.find((r) => r.status === 201)?.body;
  t.equal(bo.tier, first.body.tier, 'the same tier, the same token');
  t.not(bo.tier, 'gold');

  const byRef = await app.api('POST', '/v1/redemptions', {
    body: {
      offerId: other.offerId,
      memberRef: 'cy',
      channel: 'online',
      validationMethod: 'none',
      status: 'failed',
    },
  });
  t.match(byRef.body, { status: 'failed', memberRef: 'cy', partnerId: other.partnerId });

  const mine = await partner('GET', '/v1/redemptions');
  t.same(
    mine.body.data.map((r: { id: string }) => r.id).sort(),
    [first.body.id, bo.id].sort(),
    'a partner sees its own',
  );
  const gold = await app.api('GET', '/v1/redemptions?tier=gold&channel=in_store');
  t.equal(gold.body.data.length, 2);
  t.equal((await app.api('GET', '/v1/redemptions?status=failed')).body.data.length, 1);
  t.equal((await stranger('GET', `/v1/redemptions/${first.body.id}`)).status, 404);

  const events = (await app.api('GET', '/v1/events?types=redemption.*')).body.data;
  t.same(
    events.map((e: { type: string }) => e.type),
    ['redemption.recorded', 'redemption.recorded', 'redemption.failed'],
  );
  t.match(events[0].data, {
    partnerId,
    offerId,
    channel: 'in_store',
    validationMethod: 'code',
    tier: first.body.tier,
  });

  const fulfilled = (await app.api('GET', '/v1/events?types=issuance.fulfilled')).body.data;
  t.ok(
    fulfilled.every((e: { data: { partnerId: string } }) => e.data.partnerId === partnerId),
    "a voucher's issuance events name its partner",
  );

  const aboutCode = await app.api('POST', '/v1/complaints', {
    body: { redemptionId: first.body.id, category: 'code_not_working', description: 'Refused at the till' },
  });
  t.equal(aboutCode.status, 201, JSON.stringify(aboutCode.body));
  t.match(aboutCode.body, { redemptionId: first.body.id, issuanceId: String }, "the code's reward");
  const aboutMember = await app.api('POST', '/v1/complaints', {
    body: { redemptionId: byRef.body.id, category: 'other', description: 'Charged twice' },
  });
  t.match(aboutMember.body, { redemptionId: byRef.body.id, issuanceId: null });
  const reissue = await app.api('POST', `/v1/complaints/${aboutMember.body.id}/reissue`);
  t.equal(reissue.body.error.code, 'no_issuance');
  t.equal(
    (await app.api('POST', `/v1/complaints/${aboutMember.body.id}/resend`)).body.error.code,
    'no_delivery',
  );

  // With the default TESSERA_OTP_MAX_ATTEMPTS (5), a wrong PIN leaves four tries.
  await app.api('PUT', '/v1/members/cy/pin', { body: { pin: '2468' } });
  const byPin = await app.api('POST', '/v1/redemptions', {
    body: {
      offerId: other.offerId,
      memberRef: 'cy',
      channel: 'app',
      validationMethod: 'pin',
      status: 'pending',
    },
  });
  const wrongPin = await app.api('POST', `/v1/redemptions/${byPin.body.id}/verify`, {
    body: { code: '1357' },
  });
  t.match(wrongPin.body.error, { code: 'otp_invalid', details: [{ attemptsLeft: 4 }] });
});
