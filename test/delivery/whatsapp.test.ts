// The WhatsApp channel against a local Cloud API: an approved template sent with its parameters, an
// undeliverable number (131026) as permanent, a rate limit (130429) as transient, a message without a
// template refused before it leaves, and the connection's check.
import t from 'tap';
import { vendorHttp } from '../../connectors/framework/vendor-http.ts';
import { whatsapp } from '../../connectors/whatsapp/index.ts';
import { createLogger } from '../../core/log.ts';
import { startFakeWhatsApp } from '../fakes/whatsapp.ts';
import { startTestTessera } from '../helpers/tessera.ts';

t.test('WhatsApp through the Cloud API', async (t) => {
  const fake = await startFakeWhatsApp();
  t.teardown(() => fake.close());
  const config = { baseUrl: fake.url, apiVersion: 'v21.0', phoneNumberId: fake.phoneNumberId };
  const silent = createLogger('silent');
  const ctx = {
    callbackUrl: null,
    connection: {
      id: 'c',
      tenantId: 't',
      name: 'wa',
      config,
      credentials: { accessToken: fake.accessToken },
      cursor: null,
    },
    log: silent,
    http: vendorHttp(whatsapp.describe.limits, { connectorTimeoutMs: 5000, connectorBackoffMs: 10 }, silent),
  };
  const send = (whatsapp.channel as NonNullable<typeof whatsapp.channel>).send;
  const template = { name: 'voucher_code', language: 'en_US', parameters: ['Ana', 'CAFE-0001'] };
  t.match(await send(ctx, { to: '+14155550123', text: 'x', whatsapp: template }), {
    ok: true,
    providerId: /^wamid\./,
  });
  t.same(fake.sent, [
    {
      messaging_product: 'whatsapp',
      to: '14155550123',
      type: 'template',
      template: {
        name: 'voucher_code',
        language: { code: 'en_US' },
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'Ana' },
              { type: 'text', text: 'CAFE-0001' },
            ],
          },
        ],
      },
    },
  ]);
  t.match(await send(ctx, { to: '+14155550000', text: 'x', whatsapp: template }), {
    ok: false,
    transient: false,
    reason: /131026/,
  });
  fake.rateLimitNext = 1;
  t.match(await send(ctx, { to: '+14155550123', text: 'x', whatsapp: template }), {
    ok: false,
    transient: true,
    reason: /130429/,
  });
  t.match(await send(ctx, { to: '+14155550123', text: 'plain text' }), { ok: false, transient: false });
  t.equal(fake.sent.length, 1);

  const app = await startTestTessera(t);
  const create = (accessToken: string, status = 'active') =>
    app.api('POST', '/v1/connections', {
      body: {
        type: 'whatsapp',
        name: `wa-${accessToken.slice(-5)}`,
        config,
        credentials: { accessToken },
        status,
      },
    });
  const good = await create(fake.accessToken);
  t.equal(good.status, 201, JSON.stringify(good.body));
  t.same((await app.api('POST', `/v1/connections/${good.body.id}/check`)).body, { ok: true });
  const second = await create('EAAwrong');
  t.equal(second.status, 409, 'one active provider per channel');
  t.equal(second.body.error.code, 'channel_provider_exists');
  const bad = await create('EAAwrong', 'paused');
  t.match((await app.api('POST', `/v1/connections/${bad.body.id}/check`)).body, {
    ok: false,
    error: { code: 'auth_failed' },
  });

  // A connection with no verify token and no app secret (the defaults) passes no handshake and takes no
  // status webhook, however it is signed.
  const hook = `${app.url}/webhooks/connections/${good.body.id}`;
  const handshake = await fetch(`${hook}?hub.mode=subscribe&hub.verify_token=anything&hub.challenge=1`);
  t.equal(handshake.status, 403);
  t.equal(await fake.report(hook, 'any-secret', [{ id: 'wamid.x', status: 'delivered' }]), 401);
});
