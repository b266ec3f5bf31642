// `npm run bench -- delivery`: 20,000 fulfilled rewards, a third each preferring SMS, email and WhatsApp,
// are messaged by a Tessera process through its three providers: a local Twilio, a real local SMTP server
// and a local WhatsApp Cloud API. Printed: messages a second from the rewards' commit to the last arrival,
// and queue→provider p50/p99 (delivery created → the provider has it) in a steady run below capacity. The
// ceiling in the same run is a bare loop calling the same connectors' sends to the same stand-ins with the
// same concurrency. The rewards are written straight into the database (issuance and its event), so the
// figures are delivery's alone.
import { randomBytes } from 'node:crypto';
import { vendorHttp } from '../../connectors/framework/vendor-http.ts';
import { smtp as smtpConnector } from '../../connectors/smtp/index.ts';
import { twilio as twilioConnector } from '../../connectors/twilio/index.ts';
import { whatsapp as whatsappConnector } from '../../connectors/whatsapp/index.ts';
import { openDatabase } from '../../core/db/database.ts';
import type { OutgoingMessage } from '../../core/delivery/channel.ts';
import { createLogger } from '../../core/log.ts';
import { startFakeTwilio } from '../fakes/twilio.ts';
import { startFakeWhatsApp } from '../fakes/whatsapp.ts';
import { apiClient } from '../helpers/api.ts';
import { createTestDatabase, startTestPostgres } from '../helpers/postgres.ts';
import { spawnServer } from '../helpers/process.ts';
import { startSmtpServer } from '../helpers/smtp.ts';
import { machine } from './load.ts';
import { statementCounter } from './statements.ts';

const REWARDS = Number(process.env.BENCH_REWARDS ?? 20_000);
// Sends in flight at once (TESSERA_DELIVERY_CONCURRENCY), for Tessera and the bare loop alike.
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const STEADY_RATE = Number(process.env.BENCH_STEADY_RATE ?? 50);
const STEADY_SECONDS = Number(process.env.BENCH_STEADY_SECONDS ?? 10);
const CHANNELS = ['sms', 'email', 'whatsapp'] as const;

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : Number.NaN;
const now = () => performance.timeOrigin + performance.now();
// The address key a provider hears: digits for numbers, the address for email.
const keyOf = (to: string) => to.replace(/^\+/, '');

const closers: Array<() => Promise<void>> = [];
const arrivals = new Map<string, number>();
let waiting: { count: number; done: () => void } | null = null;
const heard = (to: string) => {
  arrivals.set(keyOf(to), now());
  if (waiting && arrivals.size >= waiting.count) waiting.done();
};
const allArrived = (count: number) =>
  new Promise<void>((resolve) => {
    waiting = { count, done: resolve };
    if (arrivals.size >= count) resolve();
  });

const twilio = await startFakeTwilio();
const whatsapp = await startFakeWhatsApp();
const smtp = await startSmtpServer({ teardown: (close) => closers.push(close) }, heard);
twilio.onReceive = heard;
whatsapp.onReceive = heard;

// Every member of a run has addresses of their own: arrivals are matched by address.
let numbered = 0;
function member(prefix: string, i: number) {
  const channel = CHANNELS[i % 3];
  const number = `+1415${String(++numbered).padStart(6, '0')}7`;
  return {
    externalRef: `${prefix}-${i}`,
    name: `Member ${i}`,
    preferredChannel: channel,
    ...(channel === 'sms' && { phone: number }),
    ...(channel === 'whatsapp' && { whatsapp: number.replace('+1415', '+1416') }),
    ...(channel === 'email' && { email: `${prefix}-${numbered}@example.com` }),
  };
}
const addressOf = (m: ReturnType<typeof member>) => keyOf(m.phone ?? m.whatsapp ?? m.email ?? '');

async function connect(api: ReturnType<typeof apiClient>) {
  const connections = [
    {
      type: 'twilio',
      name: 'sms',
      config: { baseUrl: twilio.url, accountSid: twilio.accountSid, from: '+15005550006' },
      credentials: { authToken: twilio.authToken },
    },
    {
      type: 'smtp',
      name: 'mail',
      config: { host: '127.0.0.1', port: smtp.port, from: 'rewards@acme.example', timeoutMs: 10_000 },
      credentials: { user: 'mailer', pass: 'secret' },
    },
    {
      type: 'whatsapp',
      name: 'wa',
      config: { baseUrl: whatsapp.url, phoneNumberId: whatsapp.phoneNumberId },
      credentials: { accessToken: whatsapp.accessToken },
    },
  ];
  for (const body of connections) {
    const created = await api('POST', '/v1/connections', { body });
    if (created.status !== 201) throw new Error(`connection: ${JSON.stringify(created.body)}`);
  }
  await api('POST', '/v1/templates', {
    body: { channel: 'whatsapp', kind: 'points', whatsapp: { name: 'points_notice', language: 'en_US' } },
  });
}

// Members, and their fulfilled rewards with their events, committed in one transaction.
async function writeRewards(url: string, campaignId: string, prefix: string, count: number) {
  const db = openDatabase(url, 2);
  try {
    const tenant = await db('tenants').where({ name: 'default' }).first('id');
    const members = Array.from({ length: count }, (_, i) => ({ tenantId: tenant.id, ...member(prefix, i) }));
    for (let i = 0; i < members.length; i += 2000) await db('members').insert(members.slice(i, i + 2000));
    const started = now();
    await db.raw(
      `WITH i AS (
         INSERT INTO issuances (tenant_id, campaign_id, member_id, member_ref, origin, reward, cost, status, fulfilled_at)
         SELECT m.tenant_id, ?, m.id, m.external_ref, 'api', '{"type": "points", "amount": 10}', 10, 'fulfilled', now()
           FROM members m WHERE m.external_ref LIKE ? RETURNING *)
       INSERT INTO events (tenant_id, type, subject, data)
       SELECT i.tenant_id, 'issuance.fulfilled', CAST(i.id AS text), jsonb_build_object('issuanceId', i.id,
              'campaignId', i.campaign_id, 'memberRef', i.member_ref, 'reward', i.reward, 'status', i.status)
         FROM i`,
      [campaignId, `${prefix}-%`],
    );
    return { started, members };
  } finally {
    await db.destroy();
  }
}

// Queue → provider: each delivery's creation to its arrival at the provider.
async function queueToProvider(url: string, members: Array<ReturnType<typeof member>>) {
  const db = openDatabase(url, 2);
  try {
    const rows: Array<{ memberRef: string; createdAt: Date }> = await db('deliveries').select(
      'memberRef',
      'createdAt',
    );
    const byRef = new Map(members.map((m) => [m.externalRef, addressOf(m)]));
    return rows
      .filter((row) => byRef.has(row.memberRef))
      .map(
        (row) => (arrivals.get(byRef.get(row.memberRef) as string) ?? Number.NaN) - row.createdAt.getTime(),
      )
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
  } finally {
    await db.destroy();
  }
}

async function throughTessera(url: string, campaignId: string) {
  arrivals.clear();
  const { started, members } = await writeRewards(url, campaignId, 'dl', REWARDS);
  await allArrived(REWARDS);
  const perSecond = REWARDS / ((now() - started) / 1000);
  const latencies = await queueToProvider(url, members);
  return { perSecond, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

// Rewards committed at a steady rate below capacity, in ticks of 100 ms.
async function steady(url: string, campaignId: string) {
  arrivals.clear();
  const total = STEADY_RATE * STEADY_SECONDS;
  const perTick = STEADY_RATE / 10;
  const all: Array<ReturnType<typeof member>> = [];
  for (let tick = 0; tick < STEADY_SECONDS * 10; tick++) {
    const started = now();
    const { members } = await writeRewards(url, campaignId, `st${tick}`, perTick);
    all.push(...members);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 100 - (now() - started))));
  }
  await allArrived(total);
  const latencies = await queueToProvider(url, all);
  return { count: total, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

// The same connectors' sends to the same stand-ins, CONCURRENCY at a time, without Tessera.
async function bareLoop() {
  arrivals.clear();
  const log = createLogger('silent');
  const settings = { connectorTimeoutMs: 10_000, connectorBackoffMs: 500 };
  const open = (config: object, credentials: object) => ({
    id: 'bench',
    tenantId: 'bench',
    name: 'bench',
    config,
    credentials,
    cursor: null,
  });
  const senders = {
    sms: (message: OutgoingMessage) =>
      twilioConnector.channel?.send(
        {
          connection: open(
            { baseUrl: twilio.url, accountSid: twilio.accountSid, from: '+15005550006' },
            { authToken: twilio.authToken },
          ) as never,
          log,
          http: vendorHttp(twilioConnector.describe.limits, settings, log),
          callbackUrl: null,
        },
        message,
      ),
    email: (message: OutgoingMessage) =>
      smtpConnector.channel?.send(
        {
          connection: open(
            {
              host: '127.0.0.1',
              port: smtp.port,
              secure: false,
              from: 'rewards@acme.example',
              timeoutMs: 10_000,
            },
            { user: 'mailer', pass: 'secret' },
          ) as never,
          log,
          http: vendorHttp(undefined, settings, log),
          callbackUrl: null,
        },
        message,
      ),
    whatsapp: (message: OutgoingMessage) =>
      whatsappConnector.channel?.send(
        {
          connection: open(
            { baseUrl: whatsapp.url, apiVersion: 'v21.0', phoneNumberId: whatsapp.phoneNumberId },
            { accessToken: whatsapp.accessToken },
          ) as never,
          log,
          http: vendorHttp(whatsappConnector.describe.limits, settings, log),
          callbackUrl: null,
        },
        message,
      ),
  };
  const members = Array.from({ length: REWARDS }, (_, i) => member('bare', i));
  let next = 0;
  const started = now();
  const loop = async () => {
    while (next < members.length) {
      const m = members[next++];
      const text = `Hi ${m.name}, you were rewarded 10 points.`;
      const message: OutgoingMessage = m.email
        ? { to: m.email, subject: 'Your 10 points', html: `<p>${text}</p>`, text }
        : m.whatsapp
          ? {
              to: m.whatsapp,
              text,
              whatsapp: { name: 'points_notice', language: 'en_US', parameters: [m.name, '10', 'Bench'] },
            }
          : { to: m.phone as string, text };
      const result = await senders[m.preferredChannel](message);
      if (!result?.ok) throw new Error(`bare send failed: ${JSON.stringify(result)}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  return { perSecond: REWARDS / ((now() - started) / 1000) };
}

const postgres = await startTestPostgres(true);
const database = await createTestDatabase(postgres.adminUrl, postgres.template);
try {
  const adminKey = `tsk_bench_${randomBytes(16).toString('hex')}`;
  const server = await spawnServer({
    DATABASE_URL: database.url,
    LOG_LEVEL: 'warn',
    TESSERA_ADMIN_KEY: adminKey,
    TESSERA_SECRET_KEY: randomBytes(32).toString('base64'),
    TESSERA_DELIVERY_CONCURRENCY: String(CONCURRENCY),
  });
  let tessera: Awaited<ReturnType<typeof throughTessera>> & { statements: number };
  let calm: Awaited<ReturnType<typeof steady>>;
  try {
    const api = apiClient(server.url, adminKey);
    await connect(api);
    const campaign = await api('POST', '/v1/campaigns', {
      body: {
        name: 'Bench',
        startsAt: new Date(Date.now() - 86_400_000).toISOString(),
        endsAt: new Date(Date.now() + 86_400_000).toISOString(),
        trigger: { eventType: 'bench.none', rule: { type: 'each' } },
        reward: { type: 'points', amount: 10 },
      },
    });
    await api('POST', `/v1/campaigns/${campaign.body.id}/activate`);
    process.stdout.write(`Messaging ${REWARDS} rewards across SMS, email and WhatsApp...\n`);
    const counter = await statementCounter(database.url);
    const counted = await counter.during(() => throughTessera(database.url, campaign.body.id));
    await counter.close();
    tessera = { ...counted.result, statements: counted.statements };
    process.stdout.write(`Committing ${STEADY_RATE} rewards/s for ${STEADY_SECONDS} s...\n`);
    calm = await steady(database.url, campaign.body.id);
  } finally {
    await server.stop();
  }
  await bareLoop();
  const ceiling = await bareLoop();
  process.stdout.write(
    [
      '\nDelivery benchmark: fulfilled reward committed → message received by its provider',
      `machine: ${machine()}`,
      `concurrency: ${CONCURRENCY} sends in flight (Tessera and the bare loop alike)`,
      '',
      '| run | messages | messages/s | p50 ms queue→provider | p99 ms queue→provider |',
      '|---|---:|---:|---:|---:|',
      `| Tessera (fan-out + queue + template + send + record) | ${REWARDS} | ${tessera.perSecond.toFixed(0)} | ${tessera.p50.toFixed(0)} | ${tessera.p99.toFixed(0)} |`,
      `| Tessera, steady: ${STEADY_RATE} rewards/s committed | ${calm.count} | ${STEADY_RATE} (offered) | ${calm.p50.toFixed(0)} | ${calm.p99.toFixed(0)} |`,
      `| bare connector send loop (ceiling) | ${REWARDS} | ${ceiling.perSecond.toFixed(0)} | – | – |`,
      '',
      `Tessera / bare loop: ${(tessera.perSecond / ceiling.perSecond).toFixed(2)}×`,
      `statements per message: ${(tessera.statements / REWARDS).toFixed(2)} (the rewards' own inserts included)`,
      '',
    ].join('\n'),
  );
} finally {
  smtpConnector.channel?.close?.();
  await Promise.all([twilio.close(), whatsapp.close(), ...closers.map((close) => close())]);
  await database.drop();
  await postgres.stop();
}
