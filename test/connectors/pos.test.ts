// POS feeds end to end: a pos connection registers its signed inbound source; transactions in real time
// (litres and US gallons, cancelled lines, refunds taking progress back, voids, no loyalty id, a
// redelivered webhook-id); end-of-day journals (NAXML plain and Verifone's `nax:` form, CSV with a
// column map) counting nothing twice with real time, and a malformed one taking nothing in; the petrol
// programme (third visit in 30 days earns a partner voucher) with its audit, events and live feed; and
// 1,000 concurrent transactions against maxRewards and perMemberCap.
import { Webhook } from 'standardwebhooks';
import t from 'tap';
import { activeCampaign, day, livePartner } from '../helpers/campaigns.ts';
import { runFinished } from '../helpers/connectors.ts';
import { connectLive } from '../helpers/live.ts';
import { startTestTessera, type TestTessera } from '../helpers/tessera.ts';

type Line = Record<string, string>;

const fuel = (quantity: string, amount: string, uom = 'L', extra: Line = {}): Line => ({
  kind: 'fuel',
  gradeId: '001',
  pumpId: '3',
  quantity,
  uom,
  amount,
  ...extra,
});
const shop = (sku: string, amount: string, extra: Line = {}): Line => ({
  kind: 'merchandise',
  sku,
  quantity: '1',
  amount,
  ...extra,
});

function transaction(
  id: string,
  memberId: string | null,
  lines: Line[],
  extra: Record<string, unknown> = {},
) {
  return {
    storeId: 'S-12',
    terminalId: 'T1',
    transactionId: id,
    businessDate: day(1).slice(0, 10),
    occurredAt: day(1),
    type: 'sale',
    ...(memberId && { loyalty: { memberId } }),
    currency: 'USD',
    lines,
    ...extra,
  };
}

async function posConnection(app: TestTessera, config: Record<string, unknown> = {}) {
  const created = await app.api('POST', '/v1/connections', {
    body: { type: 'pos', name: 'forecourt', config },
  });
  if (created.status !== 201) throw new Error(JSON.stringify(created.body));
  const { id, inbound } = created.body;
  const signer = new Webhook(inbound.secret);
  const send = async (body: unknown, webhookId = `msg_${Math.random().toString(36).slice(2)}`) => {
    const raw = JSON.stringify(body);
    const at = new Date();
    const headers = {
      'webhook-id': webhookId,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signer.sign(webhookId, at, raw),
    };
    return app.api('POST', inbound.path, { key: null, raw, headers });
  };
  const sendFile = (body: string, contentType: string) =>
    app.api('POST', `/v1/connections/${id}/files`, { raw: body, headers: { 'content-type': contentType } });
  return { id, inbound, send, sendFile };
}

const sourceEvents = (app: TestTessera, type: string) =>
  app.db('sourceEvents').where({ type, source: 'forecourt' }).orderBy('sourceEventId');

t.test(
  'real time: litres and gallons, cancelled lines, refunds, voids, no loyalty id, redelivery',
  async (t) => {
    const app = await startTestTessera(t);
    const { inbound, send } = await posConnection(app);
    t.match(inbound, { path: /^\/webhooks\/inbound\//, secret: /^whsec_/ });
    t.match((await app.api('GET', '/v1/inbound-sources')).body.data, [{ name: 'forecourt', kind: 'pos' }]);
    await activeCampaign(app, {
      trigger: {
        eventType: 'pos.transaction',
        rule: { type: 'cumulative', field: 'data.fuelLitres', target: 100 },
      },
    });
    await app.api('PUT', '/v1/members/M1', { body: { name: 'Maya' } });

    const first = await send(
      transaction('1001', 'M1', [fuel('40.000', '60.00'), shop('0123', '50.00', { status: 'cancel' })]),
    );
    t.equal(first.status, 200, JSON.stringify(first.body));
    t.match(first.body, {
      key: `S-12:${day(1).slice(0, 10)}:1001`,
      events: [{ type: 'pos.transaction' }, { type: 'pos.visit' }],
    });
    t.match(first.body.events[0], {
      data: {
        amount: 6000,
        currency: 'USD',
        fuelLitres: 40,
        storeId: 'S-12',
        terminalId: 'T1',
        type: 'sale',
      },
      outcomes: [{ outcome: 'progress', progress: { current: 40, target: 100 } }],
    });
    t.equal(first.body.events[0].data.lines.length, 1, 'the cancelled line is not counted');

    const gallons = transaction('1002', 'M1', [fuel('20.000', '75.00', 'USG')]);
    const second = await send(gallons, 'msg_gallons');
    t.match(second.body.events[0], { data: { fuelLitres: 75.708 }, outcomes: [{ outcome: 'issued' }] });
    const replayed = await send(gallons, 'msg_gallons');
    t.equal(replayed.headers.get('idempotent-replayed'), 'true');
    t.same(replayed.body, second.body);
    const again = await send(gallons);
    t.equal(
      again.body.events[0].id,
      second.body.events[0].id,
      'the same transaction under a new webhook-id counts once',
    );

    const refund = await send(
      transaction('1003', 'M1', [fuel('-20.000', '-75.00', 'USG')], { type: 'refund' }),
    );
    t.match(refund.body.events, [
      {
        data: { amount: -7500, fuelLitres: -75.708 },
        outcomes: [{ outcome: 'progress', progress: { current: -60 } }],
      },
    ]);
    t.equal(refund.body.events.length, 1, 'a refund is no visit');

    const batch = await send({
      transactions: [
        transaction('1004', 'M1', [fuel('10', '15.00')], { type: 'void' }),
        transaction('1005', null, [fuel('10', '15.00')]),
        transaction('1006', 'M1', [shop('0999', '4.00', { status: 'cancel' })]),
      ],
    });
    t.same(
      batch.body.transactions.map((item: { skipped: string }) => item.skipped),
      ['void', 'no_loyalty_id', 'no_counted_lines'],
    );
    t.equal((await sourceEvents(app, 'pos.transaction')).length, 3);
    t.equal((await sourceEvents(app, 'pos.visit')).length, 1, 'one visit per member, store and day');

    const bad = await send(transaction('1007', 'M1', [{ ...fuel('1', '1'), amount: 'twelve' }]));
    t.equal(bad.status, 400);
    t.equal(bad.body.error.code, 'validation_failed');
    const forged = await app.api('POST', inbound.path, {
      key: null,
      raw: JSON.stringify(transaction('1008', 'M1', [fuel('1', '1.00')])),
      headers: {
        'webhook-id': 'x',
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': 'v1,AAAA',
      },
    });
    t.equal(forged.status, 401);
    t.equal(forged.body.error.code, 'inbound_signature_invalid');
  },
);

const naxml = (prefix: string, events: string) => {
  const p = prefix ? `${prefix}:` : '';
  const ns = prefix ? ` xmlns:${prefix}="http://www.naxml.org/POSBO/Vocabulary/2003-10-16"` : '';
  return `<?xml version="1.0" encoding="ISO-8859-1"?>
<${p}NAXML-POSJournal${ns} version="3.4">
 <${p}TransmissionHeader><${p}StoreLocationID>S-12</${p}StoreLocationID></${p}TransmissionHeader>
 <${p}JournalReport>
  <${p}JournalHeader><${p}BeginDate>2026-09-01</${p}BeginDate></${p}JournalHeader>
  ${events.replaceAll('<', `<${p}`).replaceAll(`<${p}/`, `</${p}`)}
 </${p}JournalReport>
</${p}NAXML-POSJournal>`;
};

const saleEvent = (kind: string, id: string, member: string | null, lines: string) => `<${kind}>
   <RegisterID>2</RegisterID><TransactionID>${id}</TransactionID>
   <BusinessDate>2026-09-01</BusinessDate><EventEndDate>2026-09-01</EventEndDate><EventEndTime>17:45:00</EventEndTime>
   ${member ? `<LoyaltyInfo><LoyaltyID>${member}</LoyaltyID></LoyaltyInfo>` : ''}
   <TransactionDetailGroup>${lines}</TransactionDetailGroup>
  </${kind}>`;
const fuelLine = (quantity: string, amount: string, status = 'normal') =>
  `<TransactionLine status="${status}"><FuelLine><FuelGradeID>001</FuelGradeID><FuelPositionID>4</FuelPositionID><SalesQuantity>${quantity}</SalesQuantity><SalesAmount>${amount}</SalesAmount></FuelLine></TransactionLine>`;
const itemLine = (amount: string, status = 'normal') =>
  `<TransactionLine status="${status}"><ItemLine><ItemCode><POSCode>0042</POSCode></ItemCode><SalesQuantity>1</SalesQuantity><SalesAmount>${amount}</SalesAmount></ItemLine></TransactionLine>`;

t.test(
  'journals: NAXML plain and namespaced, CSV with a column map; real time is not counted twice',
  async (t) => {
    const app = await startTestTessera(t);
    const { send, sendFile } = await posConnection(app, {
      fuelUnit: 'USG',
      timeZone: 'Asia/Dubai',
      csvColumns: { storeId: 'Site', transactionId: 'Receipt', memberId: 'Card', amount: 'Total' },
    });
    // Sent in real time first; the journal repeats it.
    const live = transaction('2001', 'J1', [fuel('10.000', '15.00', 'USG')], {
      businessDate: '2026-09-01',
      occurredAt: '2026-09-01T13:45:00Z',
    });
    t.equal((await send(live)).status, 200);

    const journal = naxml(
      '',
      [
        saleEvent('SaleEvent', '2001', 'J1', fuelLine('10.000', '15.00')),
        saleEvent(
          'SaleEvent',
          '2002',
          'J2',
          fuelLine('5.000', '7.50') + itemLine('3.00') + itemLine('20.00', 'cancel'),
        ),
        saleEvent('RefundEvent', '2003', 'J2', itemLine('-3.00')),
        saleEvent('VoidEvent', '2004', 'J2', itemLine('9.99', 'cancel')),
        saleEvent('SaleEvent', '2005', null, itemLine('1.00')),
      ].join('\n'),
    );
    const run = await runFinished(app.api, (await sendFile(journal, 'application/xml')).body.runId);
    t.equal(run.status, 'succeeded', JSON.stringify(run.failure));
    t.match(run.counts, { fetched: 5, created: 2, unchanged: 1, skipped: 2, failed: 0 });
    const [j2] = await app.db('sourceEvents').where({ sourceEventId: 'S-12:2026-09-01:2002' });
    t.match(j2, {
      memberRef: 'J2',
      data: { amount: 1050, fuelLitres: 18.927, terminalId: '2' },
    });
    t.equal(new Date(j2.occurredAt).toISOString(), '2026-09-01T13:45:00.000Z', '17:45 in Dubai');
    const [refund] = await app.db('sourceEvents').where({ sourceEventId: 'S-12:2026-09-01:2003' });
    t.equal(refund.data.amount, -300);

    const namespaced = naxml('nax', saleEvent('SaleEvent', '2006', 'J3', fuelLine('2.000', '3.00')));
    const verifone = await runFinished(app.api, (await sendFile(namespaced, 'text/xml')).body.runId);
    t.match(verifone.counts, { fetched: 1, created: 1 });
    t.equal((await app.db('sourceEvents').where({ sourceEventId: 'S-12:2026-09-01:2006' })).length, 1);

    const broken = naxml(
      '',
      saleEvent('SaleEvent', '2007', 'J4', fuelLine('1.000', '1.50')) +
        saleEvent(
          'SaleEvent',
          '2008',
          'J4',
          '<TransactionLine><FuelLine><SalesAmount>abc</SalesAmount></FuelLine></TransactionLine>',
        ),
    );
    const failed = await runFinished(app.api, (await sendFile(broken, 'application/xml')).body.runId);
    t.equal(failed.status, 'failed');
    t.equal(failed.failure.code, 'journal_malformed');
    t.match(failed.failure.message, /^Line \d+, <SalesAmount>: "abc" is not a decimal number/);
    const unclosed = await runFinished(
      app.api,
      (await sendFile('<NAXML-POSJournal><JournalReport>', 'application/xml')).body.runId,
    );
    t.equal(unclosed.failure.code, 'journal_malformed');
    t.equal(
      (await app.db('sourceEvents').where({ memberRef: 'J4' })).length,
      0,
      'nothing taken in from a broken journal',
    );

    const csv = [
      'Site,storeId2,Receipt,businessDate,occurredAt,type,Card,kind,gradeId,sku,quantity,uom,Total,status',
      'S-40,,9001,2026-09-02,2026-09-02T08:00:00Z,sale,C1,fuel,002,,30,L,45.00,',
      'S-40,,9001,2026-09-02,2026-09-02T08:00:00Z,sale,C1,merchandise,,0042,1,,"2.50",cancel',
      'S-40,,9002,2026-09-02,2026-09-02T09:00:00Z,sale,C2,merchandise,,0042,2,,5.00,',
    ].join('\r\n');
    const fromCsv = await runFinished(app.api, (await sendFile(csv, 'text/csv')).body.runId);
    t.equal(fromCsv.status, 'succeeded', JSON.stringify(fromCsv.failure));
    t.match(fromCsv.counts, { fetched: 2, created: 2 });
    const [c1] = await app.db('sourceEvents').where({ sourceEventId: 'S-40:2026-09-02:9001' });
    t.match(c1.data, { amount: 4500, fuelLitres: 30 });
  },
);

t.test('the petrol programme: the third visit in 30 days earns a partner voucher', async (t) => {
  const app = await startTestTessera(t);
  const { send } = await posConnection(app);
  const partner = await livePartner(app, 'CoffeeCo');
  const offer = await app.api('POST', '/v1/offers', {
    body: {
      partnerId: partner.body.id,
      name: 'CoffeeCo coffee',
      type: 'gift_card',
      currency: 'USD',
      denominations: { fixed: [500] },
      expiryDays: 30,
      country: 'US',
    },
  });
  t.equal(offer.status, 201, JSON.stringify(offer.body));
  await app.api('POST', `/v1/offers/${offer.body.id}/codes`, {
    body: { denomination: 500, codes: ['COFFEE-0001', 'COFFEE-0002'] },
  });
  const campaign = await activeCampaign(app, {
    name: 'Third visit',
    trigger: { eventType: 'pos.visit', rule: { type: 'frequency', count: 3, windowDays: 30 } },
    reward: { type: 'voucher', offerId: offer.body.id, denomination: 500 },
    maxRewards: 1000,
  });
  await app.api('PUT', '/v1/members/V1', { body: { name: 'Vik', phone: '+14155550123' } });
  const live = await connectLive(app.url, { key: app.adminKey });
  live.send({ type: 'subscribe', channels: ['issuances'] });
  const visit = (id: string, n: number) =>
    send(
      transaction(id, 'V1', [fuel('30', '45.00')], { businessDate: day(n).slice(0, 10), occurredAt: day(n) }),
    );
  t.match((await visit('3001', 1)).body.events[1].outcomes, [
    { outcome: 'progress', progress: { current: 1 } },
  ]);
  t.equal((await visit('3002', 1)).body.events.length, 2);
  t.equal((await sourceEvents(app, 'pos.visit')).length, 1, 'the same day at the same store is one visit');
  await visit('3003', 5);
  const third = await visit('3004', 9);
  t.match(third.body.events[1].outcomes, [{ outcome: 'issued', campaignId: campaign.id }]);
  // A late transaction (the POS was offline) counts in the window of the day it happened.
  await visit('3005', 40);
  await visit('3006', 60);
  t.match((await visit('3007', 50)).body.events[1].outcomes, [{ outcome: 'issued' }], 'days 40, 50 and 60');
  const issuance = (await app.api('GET', `/v1/issuances?campaignId=${campaign.id}`)).body.data.at(-1);
  t.match(issuance, { memberRef: 'V1', status: 'fulfilled', voucherCode: 'COFFEE-0001' });
  const events = (await app.api('GET', '/v1/events?types=issuance.*')).body.data;
  t.ok(events.some((e: { type: string }) => e.type === 'issuance.fulfilled'));
  await live.waitFor(
    () => live.events().some((m) => m.event.type === 'issuance.fulfilled'),
    'the issuance on the live feed',
  );
  live.ws.close();
  const audit = (await app.api('GET', '/v1/audit?limit=100')).body.data.map(
    (entry: { action: string }) => entry.action,
  );
  for (const action of ['connection.created', 'campaign.created', 'campaign.activated', 'member.created'])
    t.ok(audit.includes(action), `${action} is audited`);
  t.notOk(
    audit.some((action: string) => action.startsWith('issuance.')),
    'rule-made issuances are events, not audit entries',
  );
});

t.test('1,000 concurrent transactions for 100 members against maxRewards and perMemberCap', async (t) => {
  const app = await startTestTessera(t);
  const { send } = await posConnection(app);
  const campaign = await activeCampaign(app, {
    trigger: { eventType: 'pos.transaction', rule: { type: 'each' } },
    reward: { type: 'points', amount: 10 },
    maxRewards: 150,
    perMemberCap: { count: 2 },
  });
  await Promise.all(
    Array.from({ length: 100 }, (_, i) => app.api('PUT', `/v1/members/P${i}`, { body: { name: `P${i}` } })),
  );
  const queue = Array.from({ length: 1000 }, (_, i) =>
    transaction(`C${i}`, `P${i % 100}`, [fuel('10', '15.00')]),
  );
  const answers: number[] = [];
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      for (let tx = queue.pop(); tx; tx = queue.pop()) answers.push((await send(tx)).status);
    }),
  );
  t.equal(answers.filter((status) => status === 200).length, 1000);
  const issued = await app.db('issuances').where({ campaignId: campaign.id }).select('memberId');
  t.equal(issued.length, 150, 'maxRewards holds');
  const perMember = new Map<string, number>();
  for (const row of issued) perMember.set(row.memberId, (perMember.get(row.memberId) ?? 0) + 1);
  t.ok(Math.max(...perMember.values()) <= 2, 'perMemberCap holds');
  t.equal((await sourceEvents(app, 'pos.transaction')).length, 1000);
  t.equal((await sourceEvents(app, 'pos.visit')).length, 100);
});
