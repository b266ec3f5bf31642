// Rewards reach people: a fulfilled reward's message made from the committed event and sent on the
// member's first channel with a provider, its lifecycle through the providers' signed status callbacks
// (Twilio's and WhatsApp's, out of order, repeated and forged), delivery.* events on the outbox and the
// live feed's `deliveries` channel, and the issuance's view of its message.
import t from 'tap';
import { activeCampaign, day, eventPoster } from '../helpers/campaigns.ts';
import { startDeliveryTessera, waitForDelivery } from '../helpers/delivery.ts';
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
