import t from 'tap';
import { activeCampaign, day } from '../helpers/campaigns.ts';
import { startTestTessera, type TestTessera } from '../helpers/tessera.ts';

const post = (app: TestTessera, memberRef: string, sourceEventId: string, occurredAt = day(5)) =>
  app.api('POST', '/v1/events', {
    body: {
      type: 'pos.visit',
      source: 'pos-load',
      sourceEventId,
      memberRef,
      member: { name: memberRef },
      occurredAt,
      data: {},
    },
  });

const outcomeCounts = (responses: Array<{ body: { outcomes: Array<{ outcome: string }> } }>) => {
  const counts: Record<string, number> = {};
  for (const r of responses)
    counts[r.body.outcomes[0].outcome] = (counts[r.body.outcomes[0].outcome] ?? 0) + 1;
  return counts;
};

t.test('300 concurrent events against maxRewards 50 issue exactly 50', async (t) => {
  const app = await startTestTessera(t);
  const campaign = await activeCampaign(app, { maxRewards: 50 });
  const responses = await Promise.all(Array.from({ length: 300 }, (_, i) => post(app, `m-${i}`, `e-${i}`)));
  t.same(
    responses.map((r) => r.status).filter((s) => s !== 201),
    [],
    'every event taken in',
  );
  t.same(outcomeCounts(responses), { issued: 50, campaign_cap_reached: 250 });
  t.match((await app.api('GET', `/v1/campaigns/${campaign.id}`)).body.stats, {
    issued: 50,
    fulfilled: 50,
    remaining: 0,
  });
  const [{ n }] = await app.db('issuances').where({ campaignId: campaign.id }).count('* as n');
  t.equal(Number(n), 50);
  const capEvents = await app.api('GET', '/v1/events?types=campaign.cap_reached');
  t.equal(capEvents.body.data.length, 1, 'cap_reached announced once');
});

t.test('a budget of 1,000 with rewards of 30 under 100 concurrent events issues exactly 33', async (t) => {
  const app = await startTestTessera(t);
  const campaign = await activeCampaign(app, {
    reward: { type: 'points', amount: 30 },
    budget: { amount: 1000 },
  });
  const responses = await Promise.all(Array.from({ length: 100 }, (_, i) => post(app, `m-${i}`, `e-${i}`)));
  t.same(outcomeCounts(responses), { issued: 33, budget_exhausted: 67 });
  t.match((await app.api('GET', `/v1/campaigns/${campaign.id}`)).body.stats, {
    issued: 33,
    budgetSpent: 990,
    budgetRemaining: 10,
  });
  const [{ total }] = await app.db('ledger_transfers').where({ source: 'campaign' }).sum('amount as total');
  t.equal(Number(total), 990, 'the ledger credited exactly the budget spent');
});

t.test('two concurrent third visits of one member earn one reward', async (t) => {
  const app = await startTestTessera(t);
  const campaign = await activeCampaign(app, {
    trigger: { eventType: 'pos.visit', rule: { type: 'frequency', count: 3, windowDays: 30 } },
  });
  await post(app, 'm-1', 'v-1', day(1));
  await post(app, 'm-1', 'v-2', day(10));
  const both = await Promise.all([post(app, 'm-1', 'v-3', day(20)), post(app, 'm-1', 'v-4', day(21))]);
  t.same(outcomeCounts(both), { issued: 1, progress: 1 });
  const [{ n }] = await app.db('issuances').where({ campaignId: campaign.id }).count('* as n');
  t.equal(Number(n), 1);
});

t.test('a per-member cap holds under concurrent events and sends for one member', async (t) => {
  const app = await startTestTessera(t);
  const campaign = await activeCampaign(app, { perMemberCap: { count: 3 } });
  await app.api('PUT', '/v1/members/m-1', { body: { name: 'M' } });
  const calls = Array.from({ length: 40 }, (_, i) =>
    i % 2 === 0
      ? post(app, 'm-1', `e-${i}`)
      : app.api('POST', '/v1/issuances', { body: { campaignId: campaign.id, memberRef: 'm-1' } }),
  );
  await Promise.all(calls);
  const [{ n }] = await app.db('issuances').where({ campaignId: campaign.id }).count('* as n');
  t.equal(Number(n), 3);
});

t.test('the same event sent 20 times at once has one effect', async (t) => {
  const app = await startTestTessera(t);
  const campaign = await activeCampaign(app, {});
  const responses = await Promise.all(Array.from({ length: 20 }, () => post(app, 'm-1', 'same')));
  t.same(responses.map((r) => r.status).sort(), [...Array(19).fill(200), 201]);
  t.equal(new Set(responses.map((r) => JSON.stringify(r.body.outcomes))).size, 1, 'one outcome for all');
  const [{ n }] = await app.db('issuances').where({ campaignId: campaign.id }).count('* as n');
  t.equal(Number(n), 1);
});
