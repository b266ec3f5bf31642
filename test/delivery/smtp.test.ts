// The email channel against a real local SMTP server (smtp-server): a message delivered with its subject
// and text, a 452 (mailbox full, try later) as a transient failure, a 550 (no such user) as a permanent
// one, a server that is down as transient, and the connection's check (login refused: auth_failed).
import t from 'tap';
import { smtp } from '../../connectors/smtp/index.ts';
import { startSmtpServer as smtpServer } from '../helpers/smtp.ts';
import { startTestTessera } from '../helpers/tessera.ts';

const connection = (port: number, credentials: { user: string; pass: string } | null = null) => ({
  id: 'c',
  tenantId: 't',
  name: 'mail',
  config: {
    host: '127.0.0.1',
    port,
    secure: false,
    from: '"Acme Rewards" <rewards@acme.example>',
    timeoutMs: 5000,
  },
  credentials,
  cursor: null,
});

t.test('email through a real SMTP server', async (t) => {
  const { port, received } = await smtpServer(t);
  // Sends share pooled connections; the server's stop would close them, here the test does.
  t.teardown(() => smtp.channel?.close?.());
  const send = smtp.channel?.send as NonNullable<typeof smtp.channel>['send'];
  const ctx = {
    callbackUrl: null,
    connection: connection(port, { user: 'mailer', pass: 'secret' }),
    log: undefined as never,
    http: undefined as never,
  };
  const sent = await send(ctx, { to: 'ana@example.com', subject: 'Your reward', text: 'Code CAFE-0001' });
  t.match(sent, { ok: true, providerId: /@/ });
  t.equal(received.length, 1);
  t.same(received[0].to, ['ana@example.com']);
  t.match(received[0].raw, /Subject: Your reward/);
  t.match(received[0].raw, /Code CAFE-0001/);

  t.match(await send(ctx, { to: 'full@example.com', subject: 's', text: 't' }), {
    ok: false,
    transient: true,
    reason: /452/,
  });
  t.match(await send(ctx, { to: 'gone@example.com', subject: 's', text: 't' }), {
    ok: false,
    transient: false,
    reason: /550/,
  });
  const down = { ...ctx, connection: connection(1) };
  t.match(await send(down, { to: 'ana@example.com', subject: 's', text: 't' }), {
    ok: false,
    transient: true,
  });
  t.equal(received.length, 1, 'nothing else was delivered');

  const app = await startTestTessera(t);
  const create = (credentials: object, status = 'active') =>
    app.api('POST', '/v1/connections', {
      body: {
        type: 'smtp',
        name: `mail-${Math.random().toString(36).slice(2, 7)}`,
        config: connection(port).config,
        credentials,
        status,
      },
    });
  const good = await create({ user: 'mailer', pass: 'secret' });
  t.equal(good.status, 201, JSON.stringify(good.body));
  t.same((await app.api('POST', `/v1/connections/${good.body.id}/check`)).body, { ok: true });
  const second = await create({ user: 'mailer', pass: 'wrong' });
  t.equal(second.status, 409, 'one active provider per channel');
  t.equal(second.body.error.code, 'channel_provider_exists');
  const bad = await create({ user: 'mailer', pass: 'wrong' }, 'paused');
  t.match((await app.api('POST', `/v1/connections/${bad.body.id}/check`)).body, {
    ok: false,
    error: { code: 'auth_failed' },
  });
});
