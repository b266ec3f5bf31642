import t from 'tap';
import { activeCampaign, day, eventPoster } from '../helpers/campaigns.ts';
import { startTestTessera } from '../helpers/tessera.ts';

t.test('a per-member cap with a period', async (t) => {
  const app = await startTestTessera(t);
  await activeCampaign(app, { perMemberCap: { count: 2, periodDays: 30 } });
  const visit = eventPoster(app);
  t.match((await visit('m-1', day(1))).outcomes, [{ outcome: 'issued' }]);
  t.match((await visit('m-1', day(2))).outcomes, [{ outcome: 'issued' }]);
  t.match((await visit('m-1', day(3))).outcomes, [{ outcome: 'member_cap_reached' }]);
  t.match((await visit('m-2', day(3))).outcomes, [{ outcome: 'issued' }], 'another member is not capped');
  // The period counts back from now: issuances older than it no longer count.
  await app
    .db('issuances')
    .where({ memberRef: 'm-1' })
    .update({ createdAt: new Date(Date.now() - 31 * 86_400_000) });
  t.match((await visit('m-1', day(4))).outcomes, [{ outcome: 'issued' }], 'a new period');
});

t.test(
  'manual approval: held rewards take the cap; rejecting gives it back, approving fulfils',
  async (t) => {
    const app = await startTestTessera(t);
    const campaign = await activeCampaign(app, {
      approval: 'manual',
      maxRewards: 2,
      budget: { amount: 200 },
    });
    const visit = eventPoster(app);
    const a = (await visit('m-1', day(1))).outcomes[0];
    const b = (await visit('m-2', day(1))).outcomes[0];
    t.match(
      [a, b],
      [
        { outcome: 'issued', issuance: { status: 'pending_approval' } },
        { issuance: { status: 'pending_approval' } },
      ],
    );
    t.match(
      (await visit('m-3', day(1))).outcomes,
      [{ outcome: 'campaign_cap_reached' }],
      'held rewards count',
    );
    const stats = async () => (await app.api('GET', `/v1/campaigns/${campaign.id}`)).body.stats;
    t.match(await stats(), { issued: 2, fulfilled: 0, budgetReserved: 200, budgetSpent: 0, remaining: 0 });

    const rejected = await app.api('POST', `/v1/issuances/${a.issuance.id}/reject`, {
      body: { reason: 'duplicate visit' },
    });
    t.match(rejected.body, { status: 'rejected', decisionReason: 'duplicate visit' });
    t.match(await stats(), { issued: 1, budgetReserved: 100, remaining: 1 }, 'cap and budget given back');
    t.equal(
      (await app.api('POST', `/v1/issuances/${a.issuance.id}/approve`)).body.error.code,
      'invalid_transition',
    );

    const approved = await app.api('POST', `/v1/issuances/${b.issuance.id}/approve`);
    t.match(approved.body, { status: 'fulfilled', transferId: String });
    t.equal((await app.api('GET', '/v1/members/m-2/balance')).body.available, 100);
    t.match(await stats(), { issued: 1, fulfilled: 1, budgetSpent: 100, budgetReserved: 0 });
    t.match((await visit('m-3', day(2))).outcomes, [
      { outcome: 'issued', issuance: { status: 'pending_approval' } },
    ]);

    const integration = await app.keyFor('integration');
    const forbidden = await app.api('POST', `/v1/issuances/${b.issuance.id}/approve`, { key: integration });
    t.equal(forbidden.status, 403);
    const types = (await app.api('GET', '/v1/events?types=issuance.*')).body.data.map(
      (e: { type: string }) => e.type,
    );
    t.ok(
      types.includes('issuance.rejected') &&
        types.includes('issuance.approved') &&
        types.includes('issuance.fulfilled'),
    );
  },
);

t.test('bulk approval answers per issuance', async (t) => {
  const app = await startTestTessera(t);
  const campaign = await activeCampaign(app, { approval: 'manual' });
  const visit = eventPoster(app);
  const ids = [];
  for (const member of ['m-1', 'm-2', 'm-3']) ids.push((await visit(member, day(1))).outcomes[0].issuance.id);
  await app.api('POST', `/v1/issuances/${ids[2]}/reject`);
  const bulk = await app.api('POST', '/v1/issuances/approve', { body: { ids } });
  t.equal(bulk.status, 200);
  t.match(bulk.body.results, [
    { id: ids[0], ok: true, status: 'fulfilled' },
    { id: ids[1], ok: true, status: 'fulfilled' },
    { id: ids[2], ok: false, error: { code: 'invalid_transition' } },
  ]);
  const held = await app.api('GET', `/v1/issuances?campaignId=${campaign.id}&status=fulfilled`);
  t.equal(held.body.data.length, 2);
});

t.test('sending a reward directly follows the same governance', async (t) => {
  const app = await startTestTessera(t);
  const campaign = await activeCampaign(app, {
    trigger: { eventType: 'crm.deal_closed', rule: { type: 'direct' } },
    perMemberCap: { count: 1 },
  });
  await app.api('PUT', '/v1/members/rep-1', { body: { name: 'Rep' } });
  const integration = await app.keyFor('integration');
  const send = () =>
    app.api('POST', '/v1/issuances', {
      key: integration,
      body: { campaignId: campaign.id, memberRef: 'rep-1', reason: 'Deal 0061' },
    });
  const first = await send();
  t.equal(first.status, 201);
  t.match(first.body, { status: 'fulfilled', origin: 'api', reason: 'Deal 0061', memberRef: 'rep-1' });
  const second = await send();
  t.equal(second.status, 409);
  t.equal(second.body.error.code, 'member_cap_reached');
  const unknown = await app.api('POST', '/v1/issuances', {
    body: { campaignId: campaign.id, memberRef: 'nobody' },
  });
  t.equal(unknown.status, 404);
  // A Flow may reward a Contact the sync has not brought in yet: the member comes with the request.
  const described = await app.api('POST', '/v1/issuances', {
    body: {
      campaignId: campaign.id,
      memberRef: 'rep-2',
      member: { name: 'New Rep', email: 'new@example.com' },
    },
  });
  t.equal(described.status, 201);
  t.equal((await app.api('GET', '/v1/members/rep-2')).body.email, 'new@example.com');
  await app.api('POST', `/v1/campaigns/${campaign.id}/pause`);
  const whilePaused = await app.api('POST', '/v1/issuances', {
    body: { campaignId: campaign.id, memberRef: 'rep-4', member: { name: 'Paused' } },
  });
  t.equal(whilePaused.status, 409);
  t.equal((await app.api('GET', '/v1/members/rep-4')).status, 404, 'a refused send creates no member');
  await app.api('POST', `/v1/campaigns/${campaign.id}/activate`);
  // A Flow's retry without an Idempotency-Key header: the requestId is the key.
  const flowSend = () =>
    app.api('POST', '/v1/issuances', {
      key: integration,
      body: {
        campaignId: campaign.id,
        memberRef: 'rep-5',
        member: { name: 'Flow' },
        requestId: '0061x:step1',
      },
    });
  const [once, twice] = [await flowSend(), await flowSend()];
  t.equal(once.status, 201);
  t.equal(twice.status, 201);
  t.equal(twice.headers.get('idempotent-replayed'), 'true', 'the retry replays');
  t.equal(twice.body.id, once.body.id);
  t.equal((await app.db('issuances').where({ memberRef: 'rep-5' })).length, 1, 'one reward');
  await app.api('POST', `/v1/campaigns/${campaign.id}/pause`);
  const paused = await app.api('POST', '/v1/issuances', {
    body: { campaignId: campaign.id, memberRef: 'rep-1' },
  });
  t.equal(paused.body.error.code, 'campaign_not_active');
});

t.test('lifecycle transitions and what an active campaign may change', async (t) => {
  const app = await startTestTessera(t);
  const created = await app.api('POST', '/v1/campaigns', {
    body: {
      name: 'Welcome',
      startsAt: '2026-01-01T00:00:00Z',
      endsAt: '2027-01-01T00:00:00Z',
      trigger: { eventType: 'pos.visit', rule: { type: 'each' } },
      reward: { type: 'points', amount: 50 },
    },
  });
  t.equal(created.status, 201);
  t.equal(created.body.status, 'draft');
  const id = created.body.id;
  t.equal((await app.api('POST', `/v1/campaigns/${id}/pause`)).body.error.code, 'invalid_transition');
  t.equal(
    (await app.api('PATCH', `/v1/campaigns/${id}`, { body: { name: 'Welcome back' } })).body.name,
    'Welcome back',
  );
  t.equal((await app.api('POST', `/v1/campaigns/${id}/activate`)).body.status, 'active');
  const locked = await app.api('PATCH', `/v1/campaigns/${id}`, {
    body: { reward: { type: 'points', amount: 500 } },
  });
  t.equal(locked.status, 409);
  t.equal(locked.body.error.code, 'campaign_field_locked');
  const capped = await app.api('PATCH', `/v1/campaigns/${id}`, {
    body: { maxRewards: 10, budget: { amount: 5000 } },
  });
  t.match(capped.body, {
    maxRewards: 10,
    budget: { amount: 5000 },
    stats: { remaining: 10, budgetRemaining: 5000 },
  });
  const badDates = await app.api('PATCH', `/v1/campaigns/${id}`, {
    body: { endsAt: '2025-01-01T00:00:00Z' },
  });
  t.equal(badDates.body.error.code, 'invalid_dates');
  t.equal((await app.api('POST', `/v1/campaigns/${id}/pause`)).body.status, 'paused');
  t.equal((await app.api('POST', `/v1/campaigns/${id}/activate`)).body.status, 'active');
  t.equal((await app.api('POST', `/v1/campaigns/${id}/end`)).body.status, 'ended');
  t.equal((await app.api('POST', `/v1/campaigns/${id}/activate`)).status, 409);
  const audit = await app.api('GET', `/v1/audit?entityType=campaign&entityId=${id}`);
  t.ok(
    audit.body.data.some((a: { action: string }) => a.action === 'campaign.edited'),
    'edits are audited',
  );
  const events = await app.api('GET', '/v1/events?types=campaign.*');
  t.same(
    events.body.data.map((e: { type: string }) => e.type),
    ['campaign.activated', 'campaign.paused', 'campaign.activated', 'campaign.ended'],
  );
  const invalid = await app.api('POST', '/v1/campaigns', {
    body: {
      name: 'x',
      startsAt: '2026-01-01T00:00:00Z',
      endsAt: '2027-01-01T00:00:00Z',
      trigger: { eventType: 'a', rule: { type: 'sometimes' } },
      reward: { type: 'points', amount: 1 },
    },
  });
  t.equal(invalid.status, 400);
});

t.test('a dry run shows what events would produce and writes nothing', async (t) => {
  const app = await startTestTessera(t);
  const created = await app.api('POST', '/v1/campaigns', {
    body: {
      name: 'Third visit',
      startsAt: '2026-01-01T00:00:00Z',
      endsAt: '2027-12-31T00:00:00Z',
      trigger: { eventType: 'pos.visit', rule: { type: 'frequency', count: 3, windowDays: 30 } },
      reward: { type: 'points', amount: 100 },
    },
  });
  const events = [1, 10, 29].map((d) => ({
    type: 'pos.visit',
    memberRef: 'new-1',
    member: { name: 'N' },
    occurredAt: day(d),
  }));
  const dry = await app.api('POST', `/v1/campaigns/${created.body.id}/simulate`, { body: { events } });
  t.equal(dry.status, 200);
  t.match(dry.body.results, [
    { index: 0, outcome: 'progress', progress: { current: 1, target: 3 } },
    { index: 1, outcome: 'progress', progress: { current: 2 } },
    { index: 2, outcome: 'issued', status: 'fulfilled', rewards: 1 },
  ]);
  t.equal((await app.api('GET', `/v1/campaigns/${created.body.id}`)).body.status, 'draft', 'still a draft');
  t.equal((await app.api('GET', '/v1/members/new-1')).status, 404, 'no member created');
  t.equal((await app.api('GET', '/v1/issuances')).body.data.length, 0);
  t.equal((await app.db('campaign_progress').count('* as n').first())?.n, 0);
});

t.test('an inactive member (a leaver) earns nothing new; held rewards are flagged', async (t) => {
  const app = await startTestTessera(t);
  const held = await activeCampaign(app, { approval: 'manual' });
  const visit = eventPoster(app);
  const pending = (await visit('m-leaver', day(1))).outcomes[0];
  t.match(pending, { outcome: 'issued', issuance: { status: 'pending_approval' } });

  const left = await app.api('PUT', '/v1/members/m-leaver', { body: { status: 'inactive' } });
  t.equal(left.status, 200, JSON.stringify(left.body));
  t.equal(left.body.status, 'inactive');
  const events = await app.db('events').where({ subject: 'm-leaver' }).orderBy('id').pluck('type');
  t.same(events.slice(-2), ['member.updated', 'member.deactivated']);
  t.same(
    (await app.api('GET', '/v1/members?status=inactive')).body.data.map(
      (m: { externalRef: string }) => m.externalRef,
    ),
    ['m-leaver'],
  );

  t.match((await visit('m-leaver', day(2))).outcomes, [
    { outcome: 'not_eligible', reason: 'member_inactive' },
  ]);
  const sent = await app.api('POST', '/v1/issuances', {
    body: { campaignId: held.id, memberRef: 'm-leaver' },
  });
  t.equal(sent.status, 409);
  t.equal(sent.body.error.code, 'not_eligible');
  await visit('m-stays', day(2));
  const flagged = await app.api('GET', '/v1/issuances?status=pending_approval&memberStatus=inactive');
  t.same(
    flagged.body.data.map((i: { id: string; memberStatus: string }) => [i.id, i.memberStatus]),
    [[pending.issuance.id, 'inactive']],
  );

  await app.api('PUT', '/v1/members/m-leaver', { body: { status: 'active' } });
  t.equal(
    (await app.db('events').where({ subject: 'm-leaver' }).orderBy('id', 'desc').first()).type,
    'member.reactivated',
  );
  t.match(
    (await visit('m-leaver', day(3))).outcomes,
    [{ outcome: 'issued' }],
    'a returning member earns again',
  );
});
