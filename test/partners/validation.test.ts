// Pending redemptions validated by a one-time code sent through the member's delivery channel (a local
// Twilio here) or by the member's PIN: success, a wrong code with the tries left, expiry, the attempt
// limit failing the redemption and freeing its code, and ten verifications at once settling it once.
import t from 'tap';
import { activeCampaign, day, eventPoster, voucherOffer } from '../helpers/campaigns.ts';
import { startDeliveryTessera } from '../helpers/delivery.ts';
import { apiClient } from '../helpers/tessera.ts';

t.test('one-time codes and PINs', async (t) => {
  const { app, twilio } = await startDeliveryTessera(t, { TESSERA_OTP_MAX_ATTEMPTS: '3' });
  const codes = ['CAFE-0001', 'CAFE-0002', 'CAFE-0003', 'CAFE-0004'];
  const { partnerId, offerId } = await voucherOffer(app, codes);
  await activeCampaign(app, { reward: { type: 'voucher', offerId, denomination: 500 } });
  const post = eventPoster(app);
  const voucherOf = async (ref: string) => {
    const outcome = await post(ref, day(1), {}, { member: { name: ref, phone: '+14155550199' } });
    return (await app.api('GET', `/v1/issuances/${outcome.outcomes[0].issuance.id}`)).body
      .voucherCode as string;
  };
  const partner = apiClient(app.url, await app.keyFor('partner', { partnerId }));
  const pending = async (code: string, validationMethod: string) =>
    (
      await partner('POST', '/v1/redemptions', {
        body: { offerId, code, channel: 'in_store', validationMethod, status: 'pending' },
      })
    ).body;
  // The member's reward notices go by SMS too: the code is in the last one-time code message.
  const lastCode = () =>
    /one-time code is (\d{6})/.exec(
      twilio.sent.findLast((m) => m.Body.includes('one-time code'))?.Body ?? '',
    )?.[1] as string;

  await t.test('a one-time code, wrong then right', async (t) => {
    const code = await voucherOf('ana');
    const redemption = await pending(code, 'otp');
    t.equal(redemption.status, 'pending');
    t.equal(
      (
        await partner('POST', '/v1/redemptions', {
          body: { offerId, code, channel: 'app', validationMethod: 'code' },
        })
      ).body.error.code,
      'code_not_redeemable',
      'a pending redemption holds the code',
    );
    const sent = await partner('POST', '/v1/redemptions/challenges', {
      body: { redemptionId: redemption.id },
    });
    t.equal(sent.status, 201, JSON.stringify(sent.body));
    t.match(sent.body, { channel: 'sms', expiresAt: String });
    t.notOk(JSON.stringify(sent.body).includes(lastCode()), 'the code is not answered');
    const otp = lastCode();
    const wrong = await partner('POST', `/v1/redemptions/${redemption.id}/verify`, {
      body: { code: otp === '000000' ? '111111' : '000000' },
    });
    t.equal(wrong.status, 409);
    t.match(wrong.body.error, { code: 'otp_invalid', details: [{ attemptsLeft: 2 }] });
    const right = await partner('POST', `/v1/redemptions/${redemption.id}/verify`, { body: { code: otp } });
    t.equal(right.status, 200);
    t.equal(right.body.status, 'successful');
    const again = await partner('POST', '/v1/redemptions', {
      body: { offerId, code, channel: 'app', validationMethod: 'code' },
    });
    t.same(again.body.error.details, [{ status: 'redeemed' }], 'the code is spent');
  });

  await t.test('a member no channel reaches gets no code', async (t) => {
    await app.api('PUT', '/v1/members/eve', { body: { name: 'Eve' } });
    const redemption = (
      await partner('POST', '/v1/redemptions', {
        body: { offerId, memberRef: 'eve', channel: 'app', validationMethod: 'otp', status: 'pending' },
      })
    ).body;
    const refused = await partner('POST', '/v1/redemptions/challenges', {
      body: { redemptionId: redemption.id },
    });
    t.equal(refused.status, 409);
    t.equal(refused.body.error.code, 'otp_undeliverable');
    const early = await partner('POST', `/v1/redemptions/${redemption.id}/verify`, {
      body: { code: '123456' },
    });
    t.equal(early.body.error.code, 'otp_not_sent');
  });

  await t.test('an expired code', async (t) => {
    const redemption = await pending(await voucherOf('bo'), 'otp');
    await partner('POST', '/v1/redemptions/challenges', { body: { redemptionId: redemption.id } });
    await app
      .db('redemptions')
      .where({ id: redemption.id })
      .update({ otpExpiresAt: new Date(Date.now() - 1000) });
    const late = await partner('POST', `/v1/redemptions/${redemption.id}/verify`, {
      body: { code: lastCode() },
    });
    t.equal(late.body.error.code, 'otp_expired');
  });

  await t.test('the attempt limit fails the redemption and frees its code', async (t) => {
    const code = await voucherOf('cy');
    const redemption = await pending(code, 'otp');
    await partner('POST', '/v1/redemptions/challenges', { body: { redemptionId: redemption.id } });
    const wrongCode = lastCode() === '999999' ? '888888' : '999999';
    const tries = [];
    for (let i = 0; i < 3; i++)
      tries.push(
        await partner('POST', `/v1/redemptions/${redemption.id}/verify`, { body: { code: wrongCode } }),
      );
    t.same(
      tries.map((r) => r.body.error.code),
      ['otp_invalid', 'otp_invalid', 'otp_attempts_exceeded'],
    );
    t.match((await partner('GET', `/v1/redemptions/${redemption.id}`)).body, {
      status: 'failed',
      failureReason: 'otp_attempts_exceeded',
    });
    const events = (await app.api('GET', '/v1/events?types=redemption.failed')).body.data;
    t.match(events.at(-1).data, {
      redemptionId: redemption.id,
      partnerId,
      failureReason: 'otp_attempts_exceeded',
    });
    const retry = await partner('POST', '/v1/redemptions', {
      body: { offerId, code, channel: 'app', validationMethod: 'code' },
    });
    t.equal(retry.status, 201, 'the code is free again');
  });

  await t.test('a PIN, and ten verifications at once', async (t) => {
    t.equal((await app.api('PUT', '/v1/members/dee/pin', { body: { pin: '12ab' } })).status, 400);
    const code = await voucherOf('dee');
    t.equal((await app.api('PUT', '/v1/members/dee/pin', { body: { pin: '4321' } })).status, 204);
    const member = (await app.api('GET', '/v1/members/dee')).body;
    t.notOk('pinHash' in member, 'the PIN is never shown');
    const redemption = await pending(code, 'pin');
    const wrong = await partner('POST', `/v1/redemptions/${redemption.id}/verify`, {
      body: { code: '1234' },
    });
    t.match(wrong.body.error, { code: 'otp_invalid', details: [{ attemptsLeft: 2 }] });
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        partner('POST', `/v1/redemptions/${redemption.id}/verify`, { body: { code: '4321' } }),
      ),
    );
    t.equal(answers.filter((a) => a.status === 200).length, 1, 'settled once');
    t.ok(
      answers.filter((a) => a.status !== 200).every((a) => a.body.error.code === 'redemption_not_pending'),
    );
  });
});
