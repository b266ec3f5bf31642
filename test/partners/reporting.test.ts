// Redemption dashboards and exports: stats by every grouping (rows past the rollup and daily aggregates
// agree), export profiles that never leak a field, partner isolation across two partners and two
// tenants, formula-safe CSV and NDJSON, the monthly reconciliation stored for download, and retention
// anonymising old redemptions while the stats keep their counts.
import t from 'tap';
import { reconcileLastMonth } from '../../core/redemptions/exports.ts';
import { anonymiseExpired } from '../../core/redemptions/retention.ts';
import { rollUpAll } from '../../core/redemptions/stats.ts';
import { activeCampaign, day, eventPoster, voucherOffer } from '../helpers/campaigns.ts';
import { apiClient, startTestTessera } from '../helpers/tessera.ts';

t.test('stats, exports and retention', async (t) => {
  const app = await startTestTessera(t);
  // Files as text, whatever they hold.
  const download = async (path: string, key = app.adminKey) =>
    (await fetch(app.url + path, { headers: { authorization: `Bearer ${key}` } })).text();
  const cafe = await voucherOffer(app, ['CAFE-0001', 'CAFE-0002', 'CAFE-0003']);
  const tea = await voucherOffer(app, ['TEA-0001'], 'TeaCo');
  await activeCampaign(app, { reward: { type: 'voucher', offerId: cafe.offerId, denomination: 500 } });
  await activeCampaign(app, {
    trigger: { eventType: 'pos.purchase', rule: { type: 'each' } },
    reward: { type: 'voucher', offerId: tea.offerId, denomination: 500 },
  });
  const codeOf = async (type: string, ref: string, tier: string) => {
    await app.api('PUT', `/v1/members/${ref}`, { body: { tier } });
    const posted = await eventPoster(app, type)(ref, day(1));
    return (await app.api('GET', `/v1/issuances/${posted.outcomes[0].issuance.id}`)).body
      .voucherCode as string;
  };
  const redeem = (offerId: string, body: Record<string, unknown>) =>
    app.api('POST', '/v1/redemptions', {
      body: { offerId, channel: 'in_store', validationMethod: 'code', ...body },
    });
  // The store id looks like a formula to a spreadsheet.
  await redeem(cafe.offerId, {
    code: await codeOf('pos.visit', 'ana', 'gold'),
    storeId: '=HYPERLINK("x")',
    occurredAt: '2026-11-02T10:00:00Z',
  });
  await redeem(cafe.offerId, {
    code: await codeOf('pos.visit', 'bo', 'gold'),
    channel: 'online',
    occurredAt: '2026-11-03T10:00:00Z',
  });
  await redeem(cafe.offerId, {
    memberRef: 'bo',
    validationMethod: 'none',
    status: 'failed',
    occurredAt: '2026-11-03T11:00:00Z',
  });
  await redeem(tea.offerId, {
    code: await codeOf('pos.purchase', 'cy', 'silver'),
    occurredAt: '2026-11-03T12:00:00Z',
  });
  const range = 'from=2026-11-01&to=2026-12-01';

  const byDay = await app.api('GET', `/v1/redemptions/stats?groupBy=day&${range}`);
  t.same(byDay.body.data, [
    { key: '2026-11-02', redemptions: 1, successful: 1, pending: 0, failed: 0, amount: 500 },
    { key: '2026-11-03', redemptions: 3, successful: 2, pending: 0, failed: 1, amount: 1000 },
  ]);
  const groupings = ['partner', 'offer', 'channel', 'tier', 'validationMethod'];
  const before = await Promise.all(
    groupings.map((g) => app.api('GET', `/v1/redemptions/stats?groupBy=${g}&${range}`)),
  );
  t.same(
    (before[2].body.data as Array<{ key: string; redemptions: number }>).map((r) => [r.key, r.redemptions]),
    [
      ['in_store', 3],
      ['online', 1],
    ],
  );
  // Roll up: the rows are old enough, so the aggregates take them, and every grouping reads the same.
  await app.db('redemptions').update({ updatedAt: new Date(Date.now() - 3_600_000) });
  t.equal((await rollUpAll(app.db)).groups > 0, true, 'aggregates were made');
  const after = await Promise.all(
    groupings.map((g) => app.api('GET', `/v1/redemptions/stats?groupBy=${g}&${range}`)),
  );
  t.same(
    after.map((r) => r.body.data),
    before.map((r) => r.body.data),
    'the aggregates give the same figures as the rows',
  );
  t.equal((await rollUpAll(app.db)).groups, 0, 'a second rollup adds nothing');
  t.same((await app.api('GET', `/v1/redemptions/stats?groupBy=day&${range}`)).body.data, byDay.body.data);

  await t.test('profiles never leak a field; partners see their own', async (t) => {
    const finance = await download(`/v1/redemptions/export?profile=finance&format=csv`);
    const lines = finance.trim().split('\r\n');
    t.equal(lines[0], 'offer,partner,amount,date');
    t.equal(lines.length, 5);
    t.notOk(/ana|bo|cy|HYPERLINK|in_store/.test(finance), 'no member, store or channel');
    const made = await app.api('POST', '/v1/export-profiles', {
      body: { name: 'stores', fields: ['storeId', 'status'] },
    });
    t.equal(made.status, 201);
    t.equal(
      (await app.api('POST', '/v1/export-profiles', { body: { name: 'finance', fields: ['status'] } })).body
        .error.code,
      'profile_exists',
    );
    const stores = await download('/v1/redemptions/export?profile=stores');
    t.match(stores, /'=HYPERLINK\(""x""\)/, 'a formula is written as text');
    const ndjson = await download('/v1/redemptions/export?profile=compliance&format=ndjson');
    const records = ndjson
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    t.same(Object.keys(records[0]).sort(), [
      'amount',
      'date',
      'offer',
      'partner',
      'status',
      'validationMethod',
    ]);

    const teaSecret = await app.keyFor('partner', { partnerId: tea.partnerId });
    const teaKey = apiClient(app.url, teaSecret);
    const theirs = await download('/v1/redemptions/export?profile=compliance&format=ndjson', teaSecret);
    const own = theirs
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    t.same(
      own.map((r) => r.partner),
      ['TeaCo'],
      'a partner key gets its own rows whatever the profile',
    );
    t.same(
      (await teaKey('GET', `/v1/redemptions/stats?groupBy=partner&${range}`)).body.data.map(
        (r: { key: string }) => r.key,
      ),
      [tea.partnerId],
    );
    t.equal(
      (await app.api('GET', '/v1/redemptions/export?profile=partner')).body.error.code,
      'partner_required',
    );

    const otherSecret = await app.keyFor('admin', { tenant: 'other' });
    const elsewhere = apiClient(app.url, otherSecret);
    t.same(
      (await elsewhere('GET', `/v1/redemptions/stats?${range}`)).body.data,
      [],
      'another tenant sees none',
    );
    const otherExport = await download('/v1/redemptions/export?profile=finance', otherSecret);
    t.equal(otherExport.trim(), 'offer,partner,amount,date');
  });

  await t.test('the monthly reconciliation, stored once', async (t) => {
    t.same(await reconcileLastMonth(app.db, new Date('2026-12-01T03:00:00Z')), { made: 2 }, 'one per tenant');
    t.same(await reconcileLastMonth(app.db, new Date('2026-12-01T03:05:00Z')), { made: 0 });
    const stored = (await app.api('GET', '/v1/exports')).body.data;
    t.match(stored, [{ kind: 'reconciliation', profile: 'finance', rows: 4 }]);
    const file = await download(`/v1/exports/${stored[0].id}/file`);
    t.equal(file.trim().split('\r\n').length, 5);
  });

  await t.test('retention anonymises old redemptions; the stats keep their counts', async (t) => {
    await app.api('PATCH', '/v1/settings', { body: { redemptions: { retentionDays: 1 } } });
    t.same(await anonymiseExpired(app.db), { anonymised: 4 });
    const rows = await app.db('redemptions').select('memberRef', 'storeId', 'anonymisedAt');
    t.ok(
      rows.every((r) => r.memberRef === null && r.storeId === null && r.anonymisedAt),
      'no member or store left',
    );
    t.same((await app.api('GET', `/v1/redemptions/stats?groupBy=day&${range}`)).body.data, byDay.body.data);
  });
});
