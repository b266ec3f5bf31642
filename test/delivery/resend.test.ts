// Failed messages are found, the member corrected and the message resent, one or many: a resend uses
// the member's details as they are now and never issues a second reward; concurrent resends queue it
// once. Complaints name a message, resend it in one click, and a reissued voucher's new code is sent.
import t from 'tap';
import { activeCampaign, day, eventPoster, voucherOffer } from '../helpers/campaigns.ts';
import { APP_SECRET, startDeliveryTessera, waitForDelivery } from '../helpers/delivery.ts';

t.test('correct and resend', async (t) => {
  const { app, whatsapp, connections } = await startDeliveryTessera(t);
  await app.api('PATCH', '/v1/settings', { body: { delivery: { channels: ['whatsapp'] } } });
  await app.api('POST', '/v1/templates', {
    body: { channel: 'whatsapp', kind: 'points', whatsapp: { name: 'points_notice', language: 'en_US' } },
  });
  await activeCampaign(app, { reward: { type: 'points', amount: 100 } });
  const post = eventPoster(app);
  const reward = async (ref: string, number: string) =>
    (await post(ref, day(1), {}, { member: { name: ref, whatsapp: number } })).outcomes[0].issuance
      .id as string;
  const failed = (d: { status: string }) => d.status === 'failed';

  const gi = await waitForDelivery(app, await reward('gi', '+14155550000'), failed);
  t.match(gi, { status: 'failed', channel: 'whatsapp', failureReason: 'undeliverable' });
  const listed = await app.api('GET', '/v1/deliveries?status=failed&reason=undeliverable&channel=whatsapp');
  t.same(
    listed.body.data.map((d: { id: string }) => d.id),
    [gi.id],
  );

  await t.test('a resend goes to the corrected number and gives no second reward', async (t) => {
    await app.api('PUT', '/v1/members/gi', { body: { whatsapp: '+14155550130' } });
    const resent = await app.api('POST', `/v1/deliveries/${gi.id}/resend`);
    t.equal(resent.status, 200);
    t.match(resent.body, { status: 'queued', failureReason: null });
    const sent = await waitForDelivery(app, gi.issuanceId as string, (d) => d.status === 'sent');
    t.equal(sent.id, gi.id, 'the same delivery');
    t.same(
      sent.attempts.map((a) => [a.address, a.outcome]),
      [
        ['+14155550000', 'failed'],
        ['+14155550130', 'sent'],
      ],
    );
    t.equal(whatsapp.sent.at(-1)?.to, '14155550130');
    const issuances = await app.api('GET', '/v1/issuances?memberRef=gi');
    t.equal(issuances.body.data.length, 1, 'one reward');
    t.equal((await app.api('GET', '/v1/members/gi/balance')).body.available, 100, 'credited once');
    const again = await app.api('POST', `/v1/deliveries/${gi.id}/resend`);
    t.equal(again.status, 200, 'a sent message not yet confirmed can be resent');
    await waitForDelivery(
      app,
      gi.issuanceId as string,
      (d) => d.status === 'sent' && d.attempts.length === 3,
    );
  });

  await t.test('concurrent resends queue it once', async (t) => {
    const hu = await waitForDelivery(app, await reward('hu', '+14155550000'), failed);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => app.api('POST', `/v1/deliveries/${hu.id}/resend`)),
    );
    t.same(answers.map((a) => a.status).sort(), [200, ...Array(9).fill(409)], 'one resend, nine refusals');
    t.ok(answers.filter((a) => a.status === 409).every((a) => a.body.error.code === 'already_queued'));
    const key = 'resend-hu-once';
    await waitForDelivery(app, hu.issuanceId as string, failed);
    const same = await Promise.all(
      Array.from({ length: 5 }, () =>
        app.api('POST', `/v1/deliveries/${hu.id}/resend`, { headers: { 'idempotency-key': key } }),
      ),
    );
    const statuses = same.map((a) => a.status);
    t.ok(
      statuses.filter((s) => s === 200).length >= 1 && statuses.every((s) => s === 200 || s === 409),
      `one key, one resend: ${statuses}`,
    );
    t.ok(
      same.filter((a) => a.status === 409).every((a) => a.body.error.code === 'idempotency_in_progress'),
      'a repeat is refused only while the first is in flight',
    );
    const audit = await app.api('GET', `/v1/audit?entityType=delivery&entityId=${hu.id}`);
    t.equal(audit.body.data.length, 2, 'two resends in all: the concurrent one and the keyed one');
  });

  await t.test('bulk resend by filter and by ids', async (t) => {
    const ja = await waitForDelivery(app, await reward('ja', '+14155550000'), failed);
    const ko = await waitForDelivery(app, await reward('ko', '+14155550000'), failed);
    const li = await waitForDelivery(app, await reward('li', '+14155550140'), (d) => d.status === 'sent');
    await app.api('PUT', '/v1/members/ja', { body: { whatsapp: '+14155550141' } });
    const byFilter = await app.api('POST', '/v1/deliveries/resend', {
      body: { filter: { reason: 'undeliverable' } },
    });
    t.equal(byFilter.status, 200);
    t.equal(byFilter.body.more, false);
    const ids = byFilter.body.results.map((r: { id: string }) => r.id);
    t.ok(ids.includes(ja.id) && ids.includes(ko.id), 'the failed ones are taken');
    t.notOk(ids.includes(li.id), 'a sent one is not');
    t.ok(byFilter.body.results.every((r: { ok: boolean }) => r.ok));
    await waitForDelivery(app, ja.issuanceId as string, (d) => d.status === 'sent');
    await waitForDelivery(
      app,
      ko.issuanceId as string,
      (d) => d.status === 'failed' && d.attempts.length === 2,
    );
    const hook = `${app.url}/webhooks/connections/${connections.whatsapp}`;
    t.equal(
      await whatsapp.report(hook, APP_SECRET, [{ id: li.providerId as string, status: 'delivered' }]),
      200,
    );
    const byIds = await app.api('POST', '/v1/deliveries/resend', { body: { ids: [ko.id, li.id] } });
    t.same(
      byIds.body.results.map((r: { id: string; ok: boolean; error?: { code: string } }) => [
        r.id,
        r.ok,
        r.error?.code,
      ]),
      [
        [ko.id, true, undefined],
        [li.id, false, 'already_delivered'],
      ],
      'each answered on its own',
    );
    const none = await app.api('POST', '/v1/deliveries/resend', { body: {} });
    t.equal(none.status, 400, 'ids or a filter');
  });
});

t.test('complaints about a message: resend in one click, and a reissued code is sent', async (t) => {
  const { app, smtp } = await startDeliveryTessera(t);
  const { partnerId, offerId } = await voucherOffer(app, ['CAFE-0001', 'CAFE-0002']);
  await activeCampaign(app, { reward: { type: 'voucher', offerId, denomination: 500 } });
  const posted = await eventPoster(app)(
    'mo',
    day(1),
    {},
    { member: { name: 'Mo', email: 'mo@example.com' } },
  );
  const issuanceId = posted.outcomes[0].issuance.id as string;
  const sent = await waitForDelivery(app, issuanceId, (d) => d.status === 'sent');
  t.match(sent, { channel: 'email', kind: 'voucher', partnerId: partnerId });
  t.match(smtp.received.at(-1)?.raw, /CAFE-0001/);
  const events = (await app.api('GET', '/v1/events?types=delivery.sent')).body.data;
  t.equal(events[0].data.partnerId, partnerId, "a voucher's events name its partner");

  const complaint = await app.api('POST', '/v1/complaints', {
    body: { deliveryId: sent.id, category: 'not_received', description: 'Nothing came', priority: 'P2' },
  });
  t.equal(complaint.status, 201, JSON.stringify(complaint.body));
  t.match(complaint.body, { deliveryId: sent.id, issuanceId });
  const both = await app.api('POST', '/v1/complaints', {
    body: { deliveryId: sent.id, issuanceId, category: 'other', description: 'x' },
  });
  t.equal(both.status, 400, 'a reward or a message, not both');

  const resent = await app.api('POST', `/v1/complaints/${complaint.body.id}/resend`);
  t.equal(resent.status, 200, JSON.stringify(resent.body));
  t.match(resent.body.notes.at(-1), { kind: 'resend' });
  const again = await waitForDelivery(app, issuanceId, (d) => d.status === 'sent' && d.attempts.length === 2);
  t.equal(again.id, sent.id);

  const reissued = await app.api('POST', `/v1/complaints/${complaint.body.id}/reissue`);
  t.equal(reissued.status, 200);
  const newMessage = await waitForDelivery(app, issuanceId, (d) => d.id !== sent.id && d.status === 'sent');
  t.match(smtp.received.at(-1)?.raw, /CAFE-0002/, 'the new code is sent');
  const messages = await app.api('GET', `/v1/deliveries?memberRef=mo`);
  t.same(
    messages.body.data.map((d: { id: string }) => d.id).sort(),
    [sent.id, newMessage.id].sort(),
    'a message per code',
  );
  t.equal((await app.api('GET', '/v1/issuances?memberRef=mo')).body.data.length, 1, 'still one reward');
});
