// Rewards reach people: a fulfilled reward's message made from the committed event and sent on the
// member's first channel with a provider, its lifecycle through the providers' signed status callbacks
// (Twilio's and WhatsApp's, out of order, repeated and forged), delivery.* events on the outbox and the
// live feed's `deliveries` channel, and the issuance's view of its message.
import t from 'tap';
import { purgeReports } from '../../core/delivery/reports.ts';
import { activeCampaign, day, eventPoster } from '../helpers/campaigns.ts';
import { APP_SECRET, startDeliveryTessera, VERIFY_TOKEN, waitForDelivery } from '../helpers/delivery.ts';
import { connectLive } from '../helpers/live.ts';

t.test('an SMS from a reward, confirmed by Twilio', async (t) => {
  const { app, twilio, connections } = await startDeliveryTessera(t);
  const live = await connectLive(app.url, { key: app.adminKey });
  t.teardown(() => live.ws.close());
  live.send({ type: 'subscribe', channels: ['deliveries'] });
  await activeCampaign(app, { reward: { type: 'points', amount: 100 } });
  const posted = await eventPoster(app)(
    'ana',
    day(1),
    {},
    { member: { name: 'Ana', phone: '+14155550123' } },
  );
  const issuanceId = posted.outcomes[0].issuance.id as string;
  const sent = await waitForDelivery(app, issuanceId, (d) => d.status === 'sent');
  t.match(sent, { channel: 'sms', kind: 'points', memberRef: 'ana', failureReason: null });
  t.equal(twilio.sent.length, 1);
  t.equal(twilio.sent[0].To, '+14155550123');
  t.match(twilio.sent[0].Body, /Ana.*100 points/);
  t.equal(
    twilio.accepted[0].statusCallback,
    `${app.url.replace('localhost', '127.0.0.1')}/webhooks/connections/${connections.sms}`,
    'the status callback is the connection’s URL under TESSERA_PUBLIC_URL',
  );
  const sid = twilio.accepted[0].sid;
  t.same(
    sent.attempts.map((a) => [a.channel, a.outcome, a.providerId]),
    [['sms', 'sent', sid]],
  );

  t.equal(
    await twilio.report(sid, 'delivered', { token: 'forged-token' }),
    401,
    'a forged callback is refused',
  );
  t.equal((await app.api('GET', `/v1/deliveries/${sent.id}`)).body.status, 'sent', '…and changes nothing');
  t.equal(await twilio.report(sid, 'delivered'), 200);
  t.equal(await twilio.report(sid, 'delivered'), 200, 'a repeat is answered');
  t.equal(await twilio.report(sid, 'sent'), 200, 'a late sent is answered');
  const delivered = (await app.api('GET', `/v1/deliveries/${sent.id}`)).body;
  t.match(delivered, { status: 'delivered', deliveredAt: String });
  t.same(
    delivered.attempts.map((a: { outcome: string }) => a.outcome),
    ['delivered'],
  );
  const issuance = (await app.api('GET', `/v1/issuances/${issuanceId}`)).body;
  t.same(issuance.delivery, { id: sent.id, status: 'delivered', channel: 'sms' });
  t.equal(issuance.status, 'fulfilled', "the issuance's own status does not change");

  const events = (await app.api('GET', '/v1/events?types=delivery.*')).body.data;
  t.same(
    events.map((e: { type: string }) => e.type),
    ['delivery.sent', 'delivery.delivered'],
    'one event per move: the repeat and the late sent made none',
  );
  t.match(events[1].data, {
    deliveryId: sent.id,
    issuanceId,
    memberRef: 'ana',
    channel: 'sms',
    status: 'delivered',
    failureReason: null,
  });
  await live.waitFor(() => live.events().length >= 2, 'two delivery events');
  t.same(
    live.events().map((m) => m.event.type),
    ['delivery.sent', 'delivery.delivered'],
    'the live deliveries channel carries them',
  );
});

t.test('WhatsApp: the handshake, signed status webhooks, a report before its send is recorded', async (t) => {
  const { app, whatsapp, connections } = await startDeliveryTessera(t);
  const hook = `${app.url}/webhooks/connections/${connections.whatsapp}`;
  const handshake = await fetch(
    `${hook}?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`,
  );
  t.equal(handshake.status, 200);
  t.equal(await handshake.text(), '1158201444', 'the challenge is echoed as text');
  const wrong = await fetch(`${hook}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`);
  t.equal(wrong.status, 403);

  await app.api('PATCH', '/v1/settings', { body: { delivery: { channels: ['whatsapp', 'sms'] } } });
  const template = await app.api('POST', '/v1/templates', {
    body: { channel: 'whatsapp', kind: 'points', whatsapp: { name: 'points_notice', language: 'en_US' } },
  });
  t.same(
    template.body.whatsapp.parameters,
    ['name', 'points', 'campaign'],
    'the kind’s parameters by default',
  );
  const campaign = await activeCampaign(app, { reward: { type: 'points', amount: 250 } });
  const post = eventPoster(app);
  const reward = async (ref: string, member: Record<string, unknown>) =>
    (await post(ref, day(1), {}, { member: { name: ref, ...member } })).outcomes[0].issuance.id as string;

  const first = await waitForDelivery(
    app,
    await reward('Ines', { whatsapp: '+14155550123' }),
    (d) => d.status === 'sent',
  );
  t.match(whatsapp.sent[0], {
    to: '14155550123',
    type: 'template',
    template: {
      name: 'points_notice',
      language: { code: 'en_US' },
      components: [
        {
          type: 'body',
          parameters: [
            { type: 'text', text: 'Ines' },
            { type: 'text', text: '250' },
            { type: 'text', text: campaign.name },
          ],
        },
      ],
    },
  });
  const wamid = whatsapp.accepted[0].id;
  t.equal(await whatsapp.report(hook, APP_SECRET, [{ id: wamid, status: 'delivered' }], 'forged'), 401);
  t.equal(
    (await app.api('GET', `/v1/deliveries/${first.id}`)).body.status,
    'sent',
    'a forged webhook changes nothing',
  );
  t.equal(await whatsapp.report(hook, APP_SECRET, [{ id: wamid, status: 'read' }]), 200);
  t.equal(
    await whatsapp.report(hook, APP_SECRET, [{ id: wamid, status: 'failed', errorCode: 131026 }]),
    200,
    'a failure after delivery is answered',
  );
  t.equal(
    (await app.api('GET', `/v1/deliveries/${first.id}`)).body.status,
    'delivered',
    'delivered is final',
  );

  // A failure reported after the send moves on to the next channel.
  const second = await reward('Jo', { whatsapp: '+14155550125', phone: '+14155550126' });
  const sentOnWhatsApp = await waitForDelivery(app, second, (d) => d.status === 'sent');
  const failedId = whatsapp.accepted[1].id;
  t.equal(sentOnWhatsApp.providerId, failedId);
  t.equal(
    await whatsapp.report(hook, APP_SECRET, [{ id: failedId, status: 'failed', errorCode: 131026 }]),
    200,
  );
  const bySms = await waitForDelivery(app, second, (d) => d.status === 'sent' && d.channel === 'sms');
  t.same(
    bySms.attempts.map((a) => [a.channel, a.outcome, a.reason]),
    [
      ['whatsapp', 'failed', 'undeliverable'],
      ['sms', 'sent', null],
    ],
  );

  // Meta's webhook can beat the answer to the send: the report waits for the send's record.
  whatsapp.beforeAnswer = async (id) => {
    t.equal(await whatsapp.report(hook, APP_SECRET, [{ id, status: 'delivered' }]), 200);
  };
  const early = await waitForDelivery(
    app,
    await reward('Kai', { whatsapp: '+14155550127' }),
    (d) => d.status === 'delivered',
  );
  t.match(early, { channel: 'whatsapp', deliveredAt: String });

  // Reports are kept 30 days, then purged by the daily schedule.
  const old = new Date(Date.now() - 31 * 86_400_000);
  await app.db('deliveryReports').insert({
    connectionId: connections.whatsapp,
    providerId: 'wamid.old',
    status: 'delivered',
    receivedAt: old,
  });
  const kept = await app.db('deliveryReports').count('* as n').first();
  t.same(await purgeReports(app.db), { purged: 1 });
  t.equal(
    Number((await app.db('deliveryReports').count('* as n').first())?.n),
    Number(kept?.n) - 1,
    'recent reports stay',
  );
});
