// A Tessera whose public URL is its own address (so that providers' status callbacks reach it), with the
// three message providers connected to local stand-ins: a real SMTP server, a local Twilio and a local
// WhatsApp Cloud API; and waiting for a reward's message to reach a state.
import net from 'node:net';
import type { Test } from 'tap';
import { type FakeTwilio, startFakeTwilio } from '../fakes/twilio.ts';
import { type FakeWhatsApp, startFakeWhatsApp } from '../fakes/whatsapp.ts';
import { startSmtpServer } from './smtp.ts';
import { startTestTessera, type TestTessera } from './tessera.ts';

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export const APP_SECRET = 'meta-app-secret-for-tests';
export const VERIFY_TOKEN = 'verify-token-for-tests';

export interface DeliveryTessera {
  app: TestTessera;
  twilio: FakeTwilio;
  whatsapp: FakeWhatsApp;
  smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  connections: { sms: string; email: string; whatsapp: string };
}

async function connect(app: TestTessera, body: Record<string, unknown>): Promise<string> {
  const created = await app.api('POST', '/v1/connections', { body });
  if (created.status !== 201) throw new Error(`connection refused: ${JSON.stringify(created.body)}`);
  return created.body.id;
}

export async function startDeliveryTessera(
  t: Test,
  env: Record<string, string> = {},
): Promise<DeliveryTessera> {
  const port = await freePort();
  const app = await startTestTessera(t, {
    PORT: String(port),
    TESSERA_PUBLIC_URL: `http://127.0.0.1:${port}`,
    TESSERA_DELIVERY_RETRY_SCHEDULE: '300ms,300ms',
    ...env,
  });
  const [twilio, whatsapp, smtp] = await Promise.all([
    startFakeTwilio(),
    startFakeWhatsApp(),
    startSmtpServer(t),
  ]);
  t.teardown(() => Promise.all([twilio.close(), whatsapp.close()]));
  const connections = {
    sms: await connect(app, {
      type: 'twilio',
      name: 'sms',
      config: { baseUrl: twilio.url, accountSid: twilio.accountSid, from: '+15005550006' },
      credentials: { authToken: twilio.authToken },
    }),
    email: await connect(app, {
      type: 'smtp',
      name: 'mail',
      config: {
        host: '127.0.0.1',
        port: smtp.port,
        from: '"Acme Rewards" <rewards@acme.example>',
        timeoutMs: 5000,
      },
      credentials: { user: 'mailer', pass: 'secret' },
    }),
    whatsapp: await connect(app, {
      type: 'whatsapp',
      name: 'wa',
      config: { baseUrl: whatsapp.url, phoneNumberId: whatsapp.phoneNumberId, verifyToken: VERIFY_TOKEN },
      credentials: { accessToken: whatsapp.accessToken, appSecret: APP_SECRET },
    }),
  };
  return { app, twilio, whatsapp, smtp, connections };
}

type Delivery = Record<string, unknown> & {
  id: string;
  status: string;
  attempts: Array<Record<string, unknown>>;
};

// The reward's latest message with its attempts, once `ready` holds (polled; the worker sends it).
export async function waitForDelivery(
  app: TestTessera,
  issuanceId: string,
  ready: (delivery: Delivery) => boolean,
  timeoutMs = 20_000,
): Promise<Delivery> {
  const until = Date.now() + timeoutMs;
  let last: Delivery | null = null;
  while (Date.now() < until) {
    const issuance = await app.api('GET', `/v1/issuances/${issuanceId}`);
    const id = issuance.body.delivery?.id;
    if (id) {
      last = (await app.api('GET', `/v1/deliveries/${id}`)).body as Delivery;
      if (ready(last)) return last;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the delivery did not get there: ${JSON.stringify(last)}`);
}
