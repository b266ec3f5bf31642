// Bulk uploads end to end: a CSV (BOM, CRLF, `;`, quoted newlines) with every kind of row error, its
// errors as JSON pages and as a formula-safe CSV, a budget and a stock shortfall, corrections,
// maker-checker, approval dispatching issuances with each row's amount and ledger source `upload`,
// cancel, JSON rows in chunks, and the same Idempotency-Key with another file.
import t from 'tap';
import { activeCampaign, livePartner } from '../helpers/campaigns.ts';
import { startTestTessera, type TestTessera } from '../helpers/tessera.ts';

type Upload = {
  id: string;
  status: string;
  counts: Record<string, number>;
  summary: Array<Record<string, unknown>>;
};

async function until(app: TestTessera, id: string, status: string): Promise<Upload> {
  for (let i = 0; i < 600; i++) {
    const upload = (await app.api('GET', `/v1/uploads/${id}`)).body;
    if (upload.status === status) return upload;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`upload ${id} did not become ${status}`);
}

const sendCsv = (
  app: TestTessera,
  csv: string,
  options: { query?: string; key?: string; headers?: Record<string, string> } = {},
) =>
  app.api('POST', `/v1/uploads${options.query ?? ''}`, {
    raw: csv,
    key: options.key,
    headers: { 'content-type': 'text/csv', ...options.headers },
  });

async function programme(app: TestTessera) {
  const partner = await livePartner(app, 'ShopCo');
  const offer = await app.api('POST', '/v1/offers', {
    body: {
      partnerId: partner.body.id,
      name: 'ShopCo card',
      type: 'gift_card',
      currency: 'INR',
      denominations: { fixed: [500, 1000] },
      expiryDays: 365,
      country: 'IN',
    },
  });
  await app.api('POST', `/v1/offers/${offer.body.id}/codes`, {
    body: { denomination: 1000, codes: ['SHOP-1000-A'] },
  });
  const points = await activeCampaign(app, {
    name: 'Q3 sales incentive',
    reward: { type: 'points', amount: 100 },
    budget: { amount: 400 },
    eligibility: { segments: ['staff'] },
  });
  const vouchers = await activeCampaign(app, {
    name: 'Q3 gift cards',
    reward: { type: 'voucher', offerId: offer.body.id, denomination: 500 },
  });
  const draft = await app.api('POST', '/v1/campaigns', {
    body: {
      name: 'Next quarter',
      startsAt: '2026-01-01T00:00:00Z',
      endsAt: '2027-12-31T00:00:00Z',
      trigger: { eventType: 'pos.visit', rule: { type: 'each' } },
      reward: { type: 'points', amount: 1 },
    },
  });
  await app.api('PUT', '/v1/members/M1', { body: { name: 'Asha', segments: ['staff'] } });
  await app.api('PUT', '/v1/members/M2', { body: { name: 'Ben', segments: ['staff'], status: 'inactive' } });
  await app.api('PUT', '/v1/members/M3', {
    body: { name: 'Chen', email: 'chen@example.com', segments: ['staff'] },
  });
  await app.api('PUT', '/v1/members/M4', { body: { name: 'Dara' } });
  return { A: points.id, V: vouchers.id, B: draft.body.id as string };
}

t.test('every row checked before anything is dispatched; fix, approve, dispatch', async (t) => {
  const app = await startTestTessera(t);
  const { A, V, B } = await programme(app);
  const integration = await app.keyFor('integration');
  const lines = [
    '\uFEFFmemberRef;Name;EMAIL;phone;campaignId;points;denomination;note;rowKey',
    `M1;Asha;;;${A};250;;"Q3, top seller";k1`,
    `;;Chen@Example.com;;${A};;;;k2`,
    `;New Person;new.person@example.com;;${A};;;"first line\r\nsecond line";k3`,
    `M2;;;;${A};;;;k4`,
    `M4;;;;${A};;;;k5`,
    `M1;;;;${B};;;;k6`,
    `M1;;;;00000000-0000-4000-8000-000000000000;;;;k7`,
    `M1;;=1+2;;${A};;;;k8`,
    `M1;;;12345;${A};;;;k9`,
    `M1;;;;${A};abc;;;k10`,
    `M1;;;;${V};;750;;k11`,
    `M1;;;;${A};;500;;k12`,
    `M1;Asha;;;${A};250;;"Q3, top seller";k1`,
    ';Nobody;;;;;;;k14',
    `M1;;;;${V};;1000;;k15`,
    `M3;;;;${V};;1000;;k16`,
    'M1;too;few',
    `M3;;;;${A};;;;k18`,
  ];
  const csv = `${lines.join('\r\n')}\r\n`;
  const headers = { 'idempotency-key': 'q3-incentives' };
  const sent = await sendCsv(app, csv, { key: integration, headers });
  t.equal(sent.status, 202, JSON.stringify(sent.body));
  t.equal(sent.body.counts.read, 18);
  const other = await sendCsv(app, `${csv}M1;;;;${A};1;;;k99\r\n`, { key: integration, headers });
  t.equal(other.status, 422);
  t.equal(other.body.error.code, 'idempotency_key_reused');
  const replay = await sendCsv(app, csv, { key: integration, headers });
  t.equal(replay.body.id, sent.body.id);

  const validated = await until(app, sent.body.id, 'validated');
  t.same(validated.counts, { read: 18, valid: 6, invalid: 12, dispatched: 0, refused: 0 });
  t.match(validated.summary, [
    {
      campaignId: V,
      rows: 2,
      cost: 2000,
      stock: [{ denomination: 1000, needed: 2, free: 1 }],
      warnings: ['stock_shortfall'],
    },
    { campaignId: A, rows: 4, cost: 550, budgetRemaining: 400, warnings: ['budget_shortfall'] },
  ]);

  const all = (await app.api('GET', `/v1/uploads/${sent.body.id}/errors?limit=200`)).body;
  t.same(
    all.data.map((e: { row: number; code: string }) => `${e.row}:${e.code}`),
    [
      '4:member_inactive',
      '5:not_eligible',
      '6:campaign_not_active',
      '7:campaign_unknown',
      '8:invalid_email',
      '9:invalid_phone',
      '10:invalid_points',
      '11:denomination_not_allowed',
      '12:reward_mismatch',
      '13:duplicate_row',
      '14:member_missing',
      '17:column_count',
    ],
  );
  const first = (await app.api('GET', `/v1/uploads/${sent.body.id}/errors?limit=5`)).body;
  t.equal(first.data.length, 5);
  const next = (await app.api('GET', `/v1/uploads/${sent.body.id}/errors?limit=5&cursor=${first.nextCursor}`))
    .body;
  t.equal(next.data[0].row, 9);
  const file = await app.api('GET', `/v1/uploads/${sent.body.id}/errors?format=csv`);
  t.match(file.headers.get('content-type'), /^text\/csv/);
  const csvLines = (file.body as string).split('\r\n');
  t.equal(csvLines[0], 'row,column,value,code,message');
  t.ok(
    csvLines.includes(`8,email,'=1+2,invalid_email,email must be an email address`),
    'a formula is written as text',
  );

  // Row 8 fixed; the rest stay as they were.
  const corrected = await app.api('POST', `/v1/uploads/${sent.body.id}/corrections`, {
    key: integration,
    body: { rows: [{ rowKey: 'k8', memberRef: 'M3', campaignId: A, points: '50' }] },
  });
  t.equal(corrected.status, 202, JSON.stringify(corrected.body));
  t.equal((await until(app, sent.body.id, 'validated')).counts.valid, 7);
  // Or as a file of the fixed rows: row 9's phone, still wrong, stays invalid.
  const asFile = await app.api('POST', `/v1/uploads/${sent.body.id}/corrections`, {
    key: integration,
    raw: 'row;memberRef;phone;campaignId\r\n9;M1;+4412;' + A + '\r\n',
    headers: { 'content-type': 'text/csv' },
  });
  t.equal(asFile.status, 202, JSON.stringify(asFile.body));
  const recheck = await until(app, sent.body.id, 'validated');
  t.same([recheck.counts.valid, recheck.counts.invalid], [7, 11]);
  const row9 = (await app.api('GET', `/v1/uploads/${sent.body.id}/errors?limit=200`)).body.data.find(
    (e: { row: number }) => e.row === 9,
  );
  t.match(row9, { column: 'phone', value: '+4412', code: 'invalid_phone' });

  // Maker-checker: the key that sent an upload cannot approve it.
  await app.api('PATCH', '/v1/settings', { body: { uploads: { makerChecker: true } } });
  t.match((await app.api('GET', '/v1/settings')).body, { uploads: { makerChecker: true } });
  const own = await sendCsv(app, `memberRef,points\nM1,5\n`, { query: `?campaignId=${A}` });
  await until(app, own.body.id, 'validated');
  const refused = await app.api('POST', `/v1/uploads/${own.body.id}/approve`);
  t.equal(refused.status, 409);
  t.equal(refused.body.error.code, 'four_eyes_required');
  t.equal((await app.api('POST', `/v1/uploads/${own.body.id}/cancel`)).body.status, 'cancelled');
  t.equal(
    (await app.api('POST', `/v1/uploads/${own.body.id}/approve`)).body.error.code,
    'invalid_transition',
  );

  const approved = await app.api('POST', `/v1/uploads/${sent.body.id}/approve`);
  t.equal(approved.status, 202, JSON.stringify(approved.body));
  const done = await until(app, sent.body.id, 'dispatched');
  // Rows 1 (250), 2 (100) and 8 (50) use the budget of 400, so row 18 is refused; row 3's new member
  // is not staff.
  t.same(done.counts, { read: 18, valid: 7, invalid: 11, dispatched: 5, refused: 2 });
  const issued = (await app.api('GET', `/v1/issuances?limit=50`)).body.data.filter(
    (i: { origin: string }) => i.origin === 'upload',
  );
  t.same(
    issued
      .map((i: { uploadRow: number; memberRef: string; reward: unknown; status: string }) => [
        i.uploadRow,
        i.memberRef,
        i.reward,
        i.status,
      ])
      .sort((a: number[], b: number[]) => a[0] - b[0]),
    [
      [1, 'M1', { type: 'points', amount: 250 }, 'fulfilled'],
      [2, 'M3', { type: 'points', amount: 100 }, 'fulfilled'],
      [8, 'M3', { type: 'points', amount: 50 }, 'fulfilled'],
      [
        15,
        'M1',
        {
          type: 'voucher',
          offerId: issued.find((i: { uploadRow: number }) => i.uploadRow === 15).reward.offerId,
          denomination: 1000,
        },
        'fulfilled',
      ],
      [
        16,
        'M3',
        {
          type: 'voucher',
          offerId: issued.find((i: { uploadRow: number }) => i.uploadRow === 16).reward.offerId,
          denomination: 1000,
        },
        'failed',
      ],
    ],
  );
  t.equal((await app.api('GET', '/v1/members/M1/balance')).body.available, 250);
  const sources = await app.db('ledgerTransfers').where({ source: 'upload' }).select('amount');
  t.same(
    sources.map((row) => Number(row.amount)).sort((a, b) => a - b),
    [50, 100, 250],
  );
  t.equal(
    (await app.api('GET', '/v1/members/new.person@example.com')).body.name,
    'New Person',
    'created at dispatch',
  );
  const refusedRow = await app.db('uploadRows').where({ uploadId: sent.body.id, row: 3 }).first();
  t.equal(refusedRow.refusal, 'not_eligible', 'a member created at dispatch is checked then: not staff');
  t.equal(
    (await app.db('uploadRows').where({ uploadId: sent.body.id, row: 18 }).first()).refusal,
    'budget_exhausted',
  );
  const events = (await app.api('GET', '/v1/events?types=upload.*&limit=100')).body.data.map(
    (e: { type: string }) => e.type,
  );
  for (const type of [
    'upload.received',
    'upload.validated',
    'upload.approved',
    'upload.dispatched',
    'upload.cancelled',
  ])
    t.ok(events.includes(type), type);
  const audit = (await app.api('GET', '/v1/audit?limit=100')).body.data.map(
    (e: { action: string }) => e.action,
  );
  for (const action of [
    'upload.received',
    'upload.corrected',
    'upload.approved',
    'upload.cancelled',
    'settings.changed',
  ])
    t.ok(audit.includes(action), action);
});

t.test('JSON rows in chunks, closed by complete', async (t) => {
  const app = await startTestTessera(t);
  const campaign = await activeCampaign(app, { reward: { type: 'points', amount: 10 } });
  const opened = await app.api('POST', '/v1/uploads', {
    body: { campaignId: campaign.id, rows: [{ memberRef: 'H1', name: 'Hana', points: 30 }] },
  });
  t.equal(opened.status, 202, JSON.stringify(opened.body));
  t.equal(opened.body.status, 'receiving');
  const more = await app.api('POST', `/v1/uploads/${opened.body.id}/rows`, {
    body: { rows: [{ MEMBERREF: 'H2', email: 'h2@example.com' }] },
  });
  t.equal(more.body.counts.read, 2);
  t.equal((await app.api('POST', `/v1/uploads/${opened.body.id}/complete`)).body.status, 'validating');
  t.equal((await until(app, opened.body.id, 'validated')).counts.valid, 2);
  const late = await app.api('POST', `/v1/uploads/${opened.body.id}/rows`, {
    body: { rows: [{ memberRef: 'H3' }] },
  });
  t.equal(late.body.error.code, 'invalid_transition');
  // H2 leaves between validation and approval: the row is refused at dispatch.
  await app.api('PUT', '/v1/members/H2', { body: { status: 'inactive' } });
  await app.api('POST', `/v1/uploads/${opened.body.id}/approve`);
  t.match((await until(app, opened.body.id, 'dispatched')).counts, { dispatched: 1, refused: 1 });
  t.equal((await app.api('GET', '/v1/members/H1/balance')).body.available, 30);
  t.equal(
    (await app.db('uploadRows').where({ uploadId: opened.body.id, row: 2 }).first()).refusal,
    'not_eligible',
  );
  const wrongType = await app.api('POST', '/v1/uploads', {
    raw: 'x',
    headers: { 'content-type': 'text/plain' },
  });
  t.equal(wrongType.status, 415);
});

t.test('a file in a multipart form; a retry with another boundary replays', async (t) => {
  const app = await startTestTessera(t);
  const campaign = await activeCampaign(app, { reward: { type: 'points', amount: 10 } });
  const send = async () => {
    const form = new FormData();
    form.append('comment', 'Q3');
    form.append('file', new Blob(['memberRef,points\nF1,15\nF2,\n'], { type: 'text/csv' }), 'q3.csv');
    const response = await fetch(`${app.url}/v1/uploads?campaignId=${campaign.id}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${app.adminKey}`, 'idempotency-key': 'form-q3' },
      body: form,
    });
    return {
      status: response.status,
      replayed: response.headers.get('idempotent-replayed'),
      body: (await response.json()) as { id: string; counts: { read: number } },
    };
  };
  const first = await send();
  t.equal(first.status, 202, JSON.stringify(first.body));
  t.equal(first.body.counts.read, 2);
  const again = await send();
  t.same([again.status, again.replayed, again.body.id], [202, 'true', first.body.id]);
  t.equal((await until(app, first.body.id, 'validated')).counts.valid, 2);
});
