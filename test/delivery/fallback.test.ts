// What happens when a channel fails: a transient failure (Twilio 429 with Retry-After, a 503, SMTP 452)
// is tried again on the retry schedule, and once the schedule is spent the next channel is tried; a
// permanent one (Twilio 21610, SMTP 550) moves on at once; an opt-out is kept on the member and skipped
// from then on; with no channel left the message fails with its reason and a delivery.failed event.
import t from 'tap';
import { activeCampaign, day, eventPoster } from '../helpers/campaigns.ts';
import { startDeliveryTessera, waitForDelivery } from '../helpers/delivery.ts';

const steps = (delivery: { attempts: Array<Record<string, unknown>> }) =>
  delivery.attempts.map((a) => [a.channel, a.outcome, a.reason]);

t.test('retries, fallback and opt-out', async (t) => {
  const { app, twilio, smtp } = await startDeliveryTessera(t);
  await activeCampaign(app, {
    reward: { type: 'points', amount: 100 },
    delivery: { channels: ['sms', 'email'] },
  });
  const post = eventPoster(app);
  const reward = async (ref: string, member: Record<string, unknown>) =>
    (await post(ref, day(1), {}, { member: { name: ref, ...member } })).outcomes[0].issuance.id as string;
  const settled = (d: { status: string }) => d.status === 'sent' || d.status === 'failed';

  await t.test('an opted-out number falls back to email, and is skipped from then on', async (t) => {
    const first = await waitForDelivery(
      app,
      await reward('bo', { phone: '+14155550000', email: 'bo@example.com' }),
      settled,
    );
    t.match(first, { status: 'sent', channel: 'email', failureReason: null });
    t.same(steps(first), [
      ['sms', 'failed', 'opted_out'],
      ['email', 'sent', null],
    ]);
    t.same((await app.api('GET', '/v1/members/bo')).body.optOuts, ['sms'], 'the opt-out is on the member');
    const mail = smtp.received.find((m) => m.to.includes('bo@example.com'));
    t.match(mail?.raw, /100 points/);
    const second = await waitForDelivery(app, await reward('bo', {}), settled);
    t.same(steps(second), [['email', 'sent', null]], 'SMS is not tried again');
    const cleared = await app.api('PUT', '/v1/members/bo', { body: { optOuts: [] } });
    t.same(cleared.body.optOuts, [], 'the member record can clear it');
  });

  await t.test('a 429 is retried after its Retry-After', async (t) => {
    twilio.failNext.push({ status: 429, retryAfter: '1' });
    const started = Date.now();
    const delivery = await waitForDelivery(app, await reward('cy', { phone: '+14155550123' }), settled);
    t.same(steps(delivery), [
      ['sms', 'transient', 'throttled'],
      ['sms', 'sent', null],
    ]);
    t.ok(Date.now() - started >= 1000, 'not before the provider said');
  });

  await t.test('a spent retry schedule moves on to the next channel', async (t) => {
    twilio.failNext.push({ status: 503 }, { status: 503 }, { status: 503 });
    const delivery = await waitForDelivery(
      app,
      await reward('di', { phone: '+14155550124', email: 'di@example.com' }),
      settled,
    );
    t.match(delivery, { status: 'sent', channel: 'email' });
    t.same(steps(delivery), [
      ['sms', 'transient', 'provider_unavailable'],
      ['sms', 'transient', 'provider_unavailable'],
      ['sms', 'transient', 'provider_unavailable'],
      ['email', 'sent', null],
    ]);
  });

  await t.test('an SMTP 452 is retried', async (t) => {
    smtp.failNext.push(452);
    const delivery = await waitForDelivery(app, await reward('ed', { email: 'ed@example.com' }), settled);
    t.same(steps(delivery), [
      ['email', 'transient', 'provider_unavailable'],
      ['email', 'sent', null],
    ]);
  });

  await t.test('no channel left: failed, with its reason and event', async (t) => {
    const delivery = await waitForDelivery(app, await reward('fa', { email: 'gone@example.com' }), settled);
    t.match(delivery, {
      status: 'failed',
      channel: 'email',
      failureReason: 'invalid_address',
      failedAt: String,
    });
    t.same(steps(delivery), [['email', 'failed', 'invalid_address']]);
    const nobody = await waitForDelivery(app, await reward('gu', {}), settled);
    t.match(nobody, { status: 'failed', failureReason: 'no_channel', attempts: [] });
    const events = (await app.api('GET', '/v1/events?types=delivery.failed')).body.data;
    t.match(
      events.map((e: { data: unknown }) => e.data),
      [
        { deliveryId: delivery.id, memberRef: 'fa', channel: 'email', failureReason: 'invalid_address' },
        { deliveryId: nobody.id, memberRef: 'gu', failureReason: 'no_channel' },
      ],
    );
    const listed = await app.api('GET', '/v1/deliveries?status=failed&reason=invalid_address');
    t.same(
      listed.body.data.map((d: { id: string }) => d.id),
      [delivery.id],
    );
  });
});

t.test('the default retry schedule: a transient failure is tried again in about 30 s', async (t) => {
  const { app, twilio } = await startDeliveryTessera(t, { TESSERA_DELIVERY_RETRY_SCHEDULE: '' });
  t.same(app.config.deliveryRetrySchedule, [30_000, 120_000, 600_000, 3_600_000, 14_400_000]);
  await activeCampaign(app, { reward: { type: 'points', amount: 100 } });
  twilio.failNext.push({ status: 503 });
  const posted = await eventPoster(app)('ho', day(1), {}, { member: { name: 'Ho', phone: '+14155550150' } });
  const waiting = await waitForDelivery(app, posted.outcomes[0].issuance.id, (d) => d.attempts.length === 1);
  t.match(waiting, { status: 'queued', failureReason: 'provider_unavailable' });
  const due = Date.parse(waiting.nextAttemptAt as string) - Date.now();
  t.ok(due > 20_000 && due <= 36_000, `next try in ~30 s (${due} ms)`);
});
