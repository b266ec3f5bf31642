// The SMS channel against a local Twilio: a message queued with its sid, an invalid number (21211) and an
// opted-out recipient (21610) as permanent failures, a 429 with Retry-After and a 503 as transient ones,
// a form body with To, From, Body and the status callback, and the connection's check.
import t from 'tap';
import { vendorHttp } from '../../connectors/framework/vendor-http.ts';
import { twilio } from '../../connectors/twilio/index.ts';
import { createLogger } from '../../core/log.ts';
import { signTwilio, startFakeTwilio } from '../fakes/twilio.ts';
import { startTestTessera } from '../helpers/tessera.ts';

t.test('SMS through Twilio', async (t) => {
  const fake = await startFakeTwilio();
  t.teardown(() => fake.close());
  const config = {
    baseUrl: fake.url,
    accountSid: fake.accountSid,
    from: '+15005550006',
    statusCallbackUrl: 'https://rewards.example.com/webhooks/connections/c',
  };
  const ctx = {
    callbackUrl: null,
    connection: {
      id: 'c',
      tenantId: 't',
      name: 'sms',
      config,
      credentials: { authToken: fake.authToken },
      cursor: null,
    },
    log: createLogger('silent'),
    http: vendorHttp(
      twilio.describe.limits,
      { connectorTimeoutMs: 5000, connectorBackoffMs: 10 },
      createLogger('silent'),
    ),
  };
  const send = (twilio.channel as NonNullable<typeof twilio.channel>).send;
  const sent = await send(ctx, { to: '+14155550123', text: 'Your code: CAFE-0001' });
  t.match(sent, { ok: true, providerId: /^SM/ });
  t.same(fake.sent, [
    {
      To: '+14155550123',
      Body: 'Your code: CAFE-0001',
      From: '+15005550006',
      StatusCallback: config.statusCallbackUrl,
    },
  ]);
  t.match(await send(ctx, { to: '12345', text: 'x' }), { ok: false, transient: false, reason: /21211/ });
  t.match(await send(ctx, { to: '+14155550000', text: 'x' }), {
    ok: false,
    transient: false,
    reason: /21610/,
  });
  fake.failNext.push({ status: 429, retryAfter: '7' }, { status: 503 });
  t.match(await send(ctx, { to: '+14155550123', text: 'x' }), {
    ok: false,
    transient: true,
    retryAfterMs: 7000,
  });
  t.match(await send(ctx, { to: '+14155550123', text: 'x' }), { ok: false, transient: true, reason: /503/ });
  t.equal(fake.sent.length, 1, 'a send is never repeated by the HTTP client');

  const app = await startTestTessera(t);
  const create = (authToken: string, status = 'active') =>
    app.api('POST', '/v1/connections', {
      body: {
        type: 'twilio',
        name: `sms-${authToken.slice(0, 5)}`,
        config,
        credentials: { authToken },
        status,
      },
    });
  const good = await create(fake.authToken);
  t.equal(good.status, 201, JSON.stringify(good.body));
  t.same((await app.api('POST', `/v1/connections/${good.body.id}/check`)).body, { ok: true });
  const second = await create('wrong-token');
  t.equal(second.status, 409, 'one active provider per channel');
  t.equal(second.body.error.code, 'channel_provider_exists');
  const bad = await create('wrong-token', 'paused');
  t.match((await app.api('POST', `/v1/connections/${bad.body.id}/check`)).body, {
    ok: false,
    error: { code: 'auth_failed' },
  });
  const invalid = await app.api('POST', '/v1/connections', {
    body: {
      type: 'twilio',
      name: 'no-sender',
      config: { accountSid: fake.accountSid },
      credentials: { authToken: 'x' },
    },
  });
  t.equal(invalid.status, 400, 'From or a messaging service is needed');

  // As users get it, with no TESSERA_PUBLIC_URL: a send asks for no status callback, and a callback is
  // refused, since Tessera cannot know the URL Twilio signed.
  const { statusCallbackUrl: _unset, ...plainConfig } = config;
  await send(
    { ...ctx, connection: { ...ctx.connection, config: plainConfig } },
    { to: '+14155550124', text: 'y' },
  );
  t.notOk('StatusCallback' in (fake.sent.at(-1) ?? {}), 'no status callback is asked for');
  const plain = await app.api('POST', '/v1/connections', {
    body: {
      type: 'twilio',
      name: 'sms-plain',
      config: plainConfig,
      credentials: { authToken: fake.authToken },
      status: 'paused',
    },
  });
  t.equal(plain.body.inboundUrl, null);
  const hook = `${app.url}/webhooks/connections/${plain.body.id}`;
  const params = { MessageSid: 'SM1', MessageStatus: 'delivered' };
  const refused = await fetch(hook, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signTwilio(fake.authToken, hook, params),
    },
    body: new URLSearchParams(params).toString(),
  });
  t.equal(refused.status, 401);
});
