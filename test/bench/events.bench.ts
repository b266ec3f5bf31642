// `npm run bench -- events`: 64 clients post POS-like events for 10,000 members against 5 active
// campaigns (frequency, cumulative in a window and over the lifetime, threshold, each, with caps and
// budgets); each answer comes after its issuances are committed. The reference in the same run is a bare
// authenticated GET of a member through the same server.
import { randomBytes, randomUUID } from 'node:crypto';
import { Pool } from 'undici';
import { startFakeTwilio } from '../fakes/twilio.ts';
import { apiClient } from '../helpers/api.ts';
import { createTestDatabase, startTestPostgres } from '../helpers/postgres.ts';
import { spawnServer } from '../helpers/process.ts';
import { type LoadResult, report, runLoad, runOpenLoop, seedMembers } from './load.ts';
import { statementCounter } from './statements.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const WARMUP_SECONDS = 3;
const CLIENTS = 64;
const MEMBERS = 10_000;
// The open-loop run's arrival rate (events a second).
const RATE = Number(process.env.BENCH_RATE ?? 300);
// BENCH_DELIVERY=1: the tenant has an SMS provider (a local Twilio) and every member a phone, so that
// each reward is also messaged by the same process while events come in.
const DELIVERY = process.env.BENCH_DELIVERY === '1';

const campaigns = [
  {
    name: 'Third visit in 30 days',
    trigger: { eventType: 'pos.visit', rule: { type: 'frequency', count: 3, windowDays: 30 } },
    perMemberCap: { count: 5, periodDays: 30 },
  },
  {
    name: '100 litres of fuel',
    trigger: {
      eventType: 'pos.fuel',
      rule: { type: 'cumulative', field: 'data.fuelLitres', target: 100, windowDays: 30 },
    },
    budget: { amount: 1_000_000_000 },
  },
  {
    name: 'Big basket',
    trigger: { eventType: 'pos.purchase', rule: { type: 'threshold', field: 'data.amount', min: 150 } },
    maxRewards: 10_000_000,
  },
  {
    name: 'Every purchase at partner stations',
    trigger: {
      eventType: 'pos.purchase',
      rule: { type: 'each', where: [{ path: 'data.station', op: 'in', value: ['S1', 'S2', 'S3'] }] },
    },
    perMemberCap: { count: 1000 },
  },
  {
    name: 'Lifetime spend',
    trigger: { eventType: 'pos.purchase', rule: { type: 'cumulative', field: 'data.amount', target: 1000 } },
    budget: { amount: 1_000_000_000 },
  },
];

const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)];
const between = (low: number, high: number) => low + Math.floor(Math.random() * (high - low));

function posEvent(refs: string[]) {
  const type = pick(['pos.visit', 'pos.fuel', 'pos.purchase']);
  return {
    type,
    source: 'pos-bench',
    sourceEventId: randomUUID(),
    memberRef: pick(refs),
    data: { station: `S${between(1, 7)}`, fuelLitres: between(20, 60), amount: between(20, 200) },
  };
}

async function run(name: string, url: string, seconds: number, request: (http: Pool) => Promise<void>) {
  const http = new Pool(url, { connections: CLIENTS, pipelining: 1 });
  try {
    return await runLoad(name, CLIENTS, seconds, () => request(http));
  } finally {
    await http.close();
  }
}

async function call(http: Pool, key: string, method: 'GET' | 'POST', path: string, body?: object) {
  const response = await http.request({
    method,
    path,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.body.text();
  if (response.statusCode >= 300) throw new Error(`${path} → ${response.statusCode} ${text}`);
}

const postgres = await startTestPostgres(true);
const database = await createTestDatabase(postgres.adminUrl, postgres.template);
const twilio = DELIVERY ? await startFakeTwilio() : null;
try {
  const adminKey = `tsk_bench_${randomBytes(16).toString('hex')}`;
  const server = await spawnServer({
    DATABASE_URL: database.url,
    LOG_LEVEL: 'warn',
    TESSERA_ADMIN_KEY: adminKey,
    TESSERA_SECRET_KEY: randomBytes(32).toString('base64'),
  });
  try {
    const refs = await seedMembers(database.url, MEMBERS, 'card', (i) =>
      DELIVERY ? { phone: `+1415${String(i).padStart(6, '0')}7` } : {},
    );
    const api = apiClient(server.url, adminKey);
    if (twilio) {
      const connected = await api('POST', '/v1/connections', {
        body: {
          type: 'twilio',
          name: 'sms',
          config: { baseUrl: twilio.url, accountSid: twilio.accountSid, from: '+15005550006' },
          credentials: { authToken: twilio.authToken },
        },
      });
      if (connected.status !== 201) throw new Error(`connection: ${JSON.stringify(connected.body)}`);
    }
    for (const campaign of campaigns) {
      const created = await api('POST', '/v1/campaigns', {
        body: {
          startsAt: new Date(Date.now() - 86_400_000).toISOString(),
          endsAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
          reward: { type: 'points', amount: 50 },
          ...campaign,
        },
      });
      if (created.status !== 201) throw new Error(`campaign: ${JSON.stringify(created.body)}`);
      await api('POST', `/v1/campaigns/${created.body.id}/activate`);
    }
    const postEvent = (http: Pool) => call(http, adminKey, 'POST', '/v1/events', posEvent(refs));
    const getMember = (http: Pool) => call(http, adminKey, 'GET', `/v1/members/${pick(refs)}`);
    const counter = await statementCounter(database.url);
    await run('warm-up', server.url, WARMUP_SECONDS, postEvent);
    const closed = await counter.during(() =>
      run('POST /v1/events (5 campaigns)', server.url, SECONDS, postEvent),
    );
    const events: LoadResult = closed.result;
    const openHttp = new Pool(server.url, { connections: 256, pipelining: 1 });
    const open = await counter.during(() =>
      runOpenLoop(`POST /v1/events, open loop at ${RATE}/s`, RATE, SECONDS, () => postEvent(openHttp)),
    );
    await openHttp.close();
    await run('warm-up', server.url, WARMUP_SECONDS, getMember);
    const bare = await counter.during(() =>
      run('GET /v1/members/{ref} (reference)', server.url, SECONDS, getMember),
    );
    const reference = bare.result;
    await counter.close();
    const issued = await api('GET', '/v1/issuances?limit=1');
    if (issued.body.data.length === 0) throw new Error('the run issued nothing');
    report(
      `Events benchmark: ${CLIENTS} clients, ${MEMBERS} members, ${campaigns.length} active campaigns, ${SECONDS} s per run`,
      [events, open.result, reference],
      [['events / bare GET', events.perSecond / reference.perSecond]],
    );
    process.stdout.write(
      [
        `statements per event (closed loop): ${(closed.statements / events.operations).toFixed(1)}`,
        `statements per event (open loop): ${(open.statements / open.result.operations).toFixed(1)}`,
        `statements per bare GET: ${(bare.statements / reference.operations).toFixed(1)}`,
        `open loop at ${RATE}/s: p99 ${open.result.p99.toFixed(1)} ms from the scheduled send (target ≤ 100 ms)`,
        ...(twilio ? [`rewards messaged by SMS during the runs: ${twilio.sent.length}`] : []),
        '',
      ].join('\n'),
    );
  } finally {
    await server.stop();
  }
} finally {
  await twilio?.close();
  await database.drop();
  await postgres.stop();
}
