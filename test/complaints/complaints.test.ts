// Complaints end to end: opened against a reward with a due time from the SLA settings, moved through
// their transition table (reopen included), commented on, the one-click reissue (new code, old one
// voided, no stock: 409) and reverse (points back, once), an SLA breach recorded once however often the
// schedule runs, and the report.
import t from 'tap';
import { markBreaches } from '../../core/complaints/sla.ts';
import { activeCampaign, day, eventPoster, voucherOffer } from '../helpers/campaigns.ts';
import { startTestTessera, type TestTessera } from '../helpers/tessera.ts';

async function rewards(app: TestTessera) {
  const { offerId } = await voucherOffer(app, ['CAFE-0001', 'CAFE-0002']);
  await activeCampaign(app, { reward: { type: 'points', amount: 100 } });
  await activeCampaign(app, {
    trigger: { eventType: 'pos.purchase', rule: { type: 'each' } },
    reward: { type: 'voucher', offerId, denomination: 500 },
  });
  const points = (await eventPoster(app, 'pos.visit')('C1', day(1))).outcomes[0].issuance.id as string;
  const voucher = (await eventPoster(app, 'pos.purchase')('C2', day(1))).outcomes[0].issuance.id as string;
  return { points, voucher };
}

t.test('a complaint through its states, with its fixes, its SLA and the report', async (t) => {
  const app = await startTestTessera(t);
  const { points, voucher } = await rewards(app);
  const sla = await app.api('PATCH', '/v1/settings', { body: { complaints: { slaMinutes: { P1: 30 } } } });
  t.equal(sla.status, 200, JSON.stringify(sla.body));
  t.match((await app.api('GET', '/v1/settings')).body.complaints.slaMinutes, {
    P1: 30,
    P2: 120,
    P3: 720,
    P4: 1440,
  });

  const before = Date.now();
  const opened = await app.api('POST', '/v1/complaints', {
    body: {
      issuanceId: voucher,
      category: 'code_not_working',
      description: 'The till refuses the code',
      priority: 'P1',
    },
  });
  t.equal(opened.status, 201, JSON.stringify(opened.body));
  t.match(opened.body, { status: 'open', priority: 'P1', breached: false });
  const due = Date.parse(opened.body.dueAt) - before;
  t.ok(due > 29 * 60_000 && due < 31 * 60_000, 'due in 30 minutes');
  const id = opened.body.id;

  const patch = (body: object) => app.api('PATCH', `/v1/complaints/${id}`, { body });
  t.equal((await patch({ status: 'closed' })).body.error.code, 'invalid_transition');
  t.equal((await patch({ status: 'in_progress', assignee: 'ops@example.com' })).body.status, 'in_progress');
  await app.api('POST', `/v1/complaints/${id}/comments`, { body: { text: 'Asked CoffeeCo' } });

  const fixed = await app.api('POST', `/v1/complaints/${id}/reissue`);
  t.equal(fixed.status, 200, JSON.stringify(fixed.body));
  t.same(
    fixed.body.notes.map((note: { kind: string }) => note.kind),
    ['comment', 'reissue'],
  );
  t.equal((await app.api('GET', `/v1/issuances/${voucher}`)).body.voucherCode, 'CAFE-0002');
  const voided = await app.db('voucherCodes').where({ code: 'CAFE-0001' }).first();
  t.ok(voided.voidedAt, 'the old code is voided');
  const again = await app.api('POST', `/v1/complaints/${id}/reissue`);
  t.same([again.status, again.body.error.code], [409, 'out_of_stock']);
  t.equal((await app.api('POST', `/v1/complaints/${id}/reverse`)).body.error.code, 'not_reversible');

  t.equal((await patch({ status: 'resolved' })).body.status, 'resolved');
  t.equal((await patch({ status: 'open' })).body.status, 'open', 'reopened');
  await patch({ status: 'resolved' });
  t.equal((await patch({ status: 'closed' })).body.status, 'closed');

  const money = await app.api('POST', '/v1/complaints', {
    body: { issuanceId: points, category: 'wrong_amount', description: 'Paid twice', priority: 'P2' },
  });
  t.equal((await app.api('GET', '/v1/members/C1/balance')).body.available, 100);
  t.equal(
    (await app.api('POST', `/v1/complaints/${money.body.id}/reverse`, { body: { reason: 'duplicate' } }))
      .status,
    200,
  );
  t.equal((await app.api('GET', '/v1/members/C1/balance')).body.available, 0);
  t.equal(
    (await app.api('POST', `/v1/complaints/${money.body.id}/reverse`)).body.error.code,
    'already_reversed',
  );

  // Past its due time: the schedule records the breach once, however often it runs.
  await app
    .db('complaints')
    .where({ id: money.body.id })
    .update({ dueAt: new Date(Date.now() - 60_000) });
  t.same(await markBreaches(app.db), { breached: 1 });
  t.equal(await markBreaches(app.db), undefined);
  const breached = (await app.api('GET', '/v1/complaints?breached=true')).body.data;
  t.same(
    breached.map((c: { id: string }) => c.id),
    [money.body.id],
  );
  const types = (
    await app.api('GET', '/v1/events?types=complaint.*,issuance.reissued&limit=100')
  ).body.data.map((e: { type: string }) => e.type);
  t.same(types.filter((type: string) => type === 'complaint.sla_breached').length, 1, JSON.stringify(types));
  for (const type of [
    'complaint.opened',
    'complaint.resolved',
    'complaint.reopened',
    'complaint.closed',
    'issuance.reissued',
  ])
    t.ok(types.includes(type), type);

  const report = await app.api(
    'GET',
    `/v1/complaints/report?from=${new Date(before - 60_000).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`,
  );
  t.match(report.body, {
    open: 1,
    breached: 1,
    resolved: 1,
    byPriority: [
      { priority: 'P1', resolved: 1 },
      { priority: 'P2', open: 1, breached: 1 },
    ],
  });
  const audit = (await app.api('GET', '/v1/audit?limit=100')).body.data.map(
    (e: { action: string }) => e.action,
  );
  for (const action of ['complaint.opened', 'complaint.changed', 'complaint.reissued', 'complaint.reversed'])
    t.ok(audit.includes(action), action);
  const viewer = await app.keyFor('viewer');
  t.equal((await app.api('POST', `/v1/complaints/${id}/reissue`, { key: viewer })).status, 403);
});

t.test('a tenant without a message provider has no message to resend', async (t) => {
  const app = await startTestTessera(t);
  const { points } = await rewards(app);
  const complaint = await app.api('POST', '/v1/complaints', {
    body: { issuanceId: points, category: 'not_received', description: 'Nothing came' },
  });
  t.equal(complaint.body.deliveryId, null);
  t.equal((await app.api('GET', `/v1/issuances/${points}`)).body.delivery, null);
  const resent = await app.api('POST', `/v1/complaints/${complaint.body.id}/resend`);
  t.equal(resent.status, 409);
  t.equal(resent.body.error.code, 'no_delivery');
});
