// `npm run bench -- pos`: 64 POS clients send signed transactions (fuel and shop lines) for 10,000
// members to a pos connection under three campaigns (third visit, litres, big basket); each answer comes
// after the issuances commit. The reference in the same run posts the same transactions as their two
// source events to POST /v1/events. Then a NAXML journal of 100,000 transactions is imported: its time
// from the upload to the run's end, and the server's peak RSS meanwhile.
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { Pool } from 'undici';
import { createTestDatabase, startTestPostgres } from '../helpers/postgres.ts';
import { benchServer, machine, report, resetPeak, rss, runLoad, seedMembers } from './load.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CLIENTS = 64;
const MEMBERS = 10_000;
const JOURNAL = Number(process.env.BENCH_JOURNAL ?? 100_000);

const campaigns = [
  { eventType: 'pos.visit', rule: { type: 'frequency', count: 3, windowDays: 30 } },
  { eventType: 'pos.transaction', rule: { type: 'cumulative', field: 'data.fuelLitres', target: 100 } },
  { eventType: 'pos.transaction', rule: { type: 'threshold', field: 'data.amount', min: 5000 } },
];

const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)];
let sequence = 0;

function transaction(refs: string[]) {
  const litres = 20 + Math.floor(Math.random() * 40);
  const now = new Date();
  return {
    storeId: `S-${Math.floor(Math.random() * 50)}`,
    terminalId: 'T1',
    transactionId: `rt-${++sequence}-${randomBytes(3).toString('hex')}`,
    businessDate: now.toISOString().slice(0, 10),
    occurredAt: now.toISOString(),
    type: 'sale',
    loyalty: { memberId: pick(refs) },
    currency: 'USD',
    lines: [
      {
        kind: 'fuel',
        gradeId: '001',
        pumpId: '2',
        quantity: `${litres}.000`,
        uom: 'L',
        amount: (litres * 1.5).toFixed(2),
      },
      { kind: 'merchandise', sku: '0042', quantity: '1', amount: '3.50' },
    ],
  };
}

// The two source events the POS path makes of a transaction, as a source system would post them.
function asSourceEvents(tx: ReturnType<typeof transaction>) {
  const memberRef = tx.loyalty.memberId;
  const litres = Number(tx.lines[0].quantity);
  return [
    {
      type: 'pos.transaction',
      source: 'pos-events',
      sourceEventId: `${tx.storeId}:${tx.businessDate}:${tx.transactionId}`,
      memberRef,
      occurredAt: tx.occurredAt,
      data: {
        amount: litres * 150 + 350,
        currency: 'USD',
        fuelLitres: litres,
        storeId: tx.storeId,
        type: 'sale',
      },
    },
    {
      type: 'pos.visit',
      source: 'pos-events',
      sourceEventId: `visit:${tx.storeId}:${tx.businessDate}:${memberRef}`,
      memberRef,
      occurredAt: tx.occurredAt,
      data: { storeId: tx.storeId, businessDate: tx.businessDate },
    },
  ];
}

async function request(http: Pool, path: string, headers: Record<string, string>, body: string) {
  const response = await http.request({ method: 'POST', path, headers, body });
  const text = await response.body.text();
  if (response.statusCode >= 300) throw new Error(`${path} → ${response.statusCode} ${text}`);
}

async function load(name: string, url: string, operation: (http: Pool) => Promise<void>, seconds = SECONDS) {
  const http = new Pool(url, { connections: CLIENTS, pipelining: 1 });
  try {
    return await runLoad(name, CLIENTS, seconds, () => operation(http));
  } finally {
    await http.close();
  }
}

function journal(refs: string[], count: number): string {
  const events = Array.from({ length: count }, (_, i) => {
    const fuel = `<TransactionLine status="normal"><FuelLine><FuelGradeID>001</FuelGradeID><FuelPositionID>${i % 12}</FuelPositionID><SalesQuantity>${(20 + (i % 40)).toFixed(3)}</SalesQuantity><SalesAmount>${(30 + (i % 60)).toFixed(2)}</SalesAmount></FuelLine></TransactionLine>`;
    const shop = `<TransactionLine status="${i % 10 ? 'normal' : 'cancel'}"><ItemLine><ItemCode><POSCode>0042</POSCode></ItemCode><SalesQuantity>1</SalesQuantity><SalesAmount>3.50</SalesAmount></ItemLine></TransactionLine>`;
    return `<SaleEvent><RegisterID>${i % 4}</RegisterID><TransactionID>j-${i}</TransactionID><BusinessDate>2026-09-01</BusinessDate><EventEndDate>2026-09-01</EventEndDate><EventEndTime>12:00:00</EventEndTime><LoyaltyInfo><LoyaltyID>${refs[i % refs.length]}</LoyaltyID></LoyaltyInfo><TransactionDetailGroup>${fuel}${shop}</TransactionDetailGroup></SaleEvent>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<NAXML-POSJournal version="3.4"><TransmissionHeader><StoreLocationID>S-J</StoreLocationID></TransmissionHeader><JournalReport>\n${events.join('\n')}\n</JournalReport></NAXML-POSJournal>\n`;
}

const postgres = await startTestPostgres(true);
const database = await createTestDatabase(postgres.adminUrl, postgres.template);
try {
  const { server, api, adminKey } = await benchServer(database.url);
  try {
    const refs = await seedMembers(database.url, MEMBERS, 'card');
    for (const trigger of campaigns) {
      const created = await api('POST', '/v1/campaigns', {
        body: {
          name: `${trigger.eventType} ${trigger.rule.type}`,
          startsAt: '2026-01-01T00:00:00Z',
          endsAt: '2099-01-01T00:00:00Z',
          trigger,
          reward: { type: 'points', amount: 50 },
        },
      });
      await api('POST', `/v1/campaigns/${created.body.id}/activate`);
    }
    const connection = await api('POST', '/v1/connections', { body: { type: 'pos', name: 'forecourt' } });
    const { path, secret } = connection.body.inbound;
    const signer = new Webhook(secret);
    const auth = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
    const signed = (http: Pool) => {
      const body = JSON.stringify(transaction(refs));
      const id = `msg_${randomBytes(8).toString('hex')}`;
      const at = new Date();
      const headers = {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': signer.sign(id, at, body),
      };
      return request(http, path, headers, body);
    };
    const asEvents = async (http: Pool) => {
      for (const event of asSourceEvents(transaction(refs)))
        await request(http, '/v1/events', auth, JSON.stringify(event));
    };
    await load('warm-up', server.url, signed, 3);
    const pos = await load('signed POS transactions (real time)', server.url, signed);
    const events = await load('the same as 2 source events each, POST /v1/events', server.url, asEvents);

    const file = journal(refs, JOURNAL);
    const pid = server.child.pid as number;
    const before = rss(pid, 'VmRSS');
    const resettable = resetPeak(pid);
    const started = performance.now();
    const sent = await api('POST', `/v1/connections/${connection.body.id}/files`, {
      raw: file,
      headers: { 'content-type': 'application/xml' },
    });
    if (sent.status !== 202) throw new Error(`journal refused: ${JSON.stringify(sent.body)}`);
    let run = sent.body;
    while (run.status !== 'succeeded' && run.status !== 'failed') {
      await new Promise((resolve) => setTimeout(resolve, 100));
      run = (await api('GET', `/v1/connector-runs/${sent.body.runId}`)).body;
    }
    const seconds = (performance.now() - started) / 1000;
    if (run.status !== 'succeeded' || run.counts.fetched !== JOURNAL)
      throw new Error(`the journal did not import: ${JSON.stringify(run)}`);
    report(
      `POS benchmark: ${CLIENTS} clients, ${MEMBERS} members, ${campaigns.length} campaigns, ${SECONDS} s per run`,
      [pos, events],
      [['POS transactions / the same as source events', pos.perSecond / events.perSecond]],
    );
    process.stdout.write(
      [
        '',
        `NAXML journal: ${JOURNAL} transactions, ${(Buffer.byteLength(file) / 2 ** 20).toFixed(1)} MiB, imported in ${seconds.toFixed(1)} s (${(JOURNAL / seconds).toFixed(0)} transactions/s)`,
        `server RSS before the import: ${before.toFixed(0)} MiB; peak ${resettable ? 'during the import' : 'since start'}: ${rss(pid, 'VmHWM').toFixed(0)} MiB`,
        `machine: ${machine()}`,
        '',
      ].join('\n'),
    );
  } finally {
    await server.stop();
  }
} finally {
  await database.drop();
  await postgres.stop();
}
