import t from 'tap';
import { startTestTessera } from '../helpers/tessera.ts';

const app = await startTestTessera(t);
const { api } = app;

t.test('PUT creates (201) then updates (200), keeping fields left out and clearing nulls', async (t) => {
  const created = await api('PUT', '/v1/members/emp-1', {
    body: {
      name: 'Asha Rao',
      email: 'asha@example.com',
      phone: '+919812345678',
      preferredChannel: 'sms',
      country: 'in',
      tier: 'gold',
      segments: ['sales', 'north'],
      attributes: { department: 'sales', joinedOn: '2019-04-01' },
    },
  });
  t.equal(created.status, 201);
  t.match(created.body, {
    externalRef: 'emp-1',
    country: 'IN',
    segments: ['sales', 'north'],
    attributes: { department: 'sales' },
  });
  t.notOk('tenantId' in created.body, 'tenant id is not exposed');

  const updated = await api('PUT', '/v1/members/emp-1', { body: { tier: 'platinum', email: null } });
  t.equal(updated.status, 200);
  t.equal(updated.body.tier, 'platinum');
  t.equal(updated.body.email, null);
  t.equal(updated.body.name, 'Asha Rao', 'a field left out keeps its value');
  t.equal(updated.body.id, created.body.id);

  const fetched = await api('GET', '/v1/members/emp-1');
  t.same(fetched.body, updated.body);
});

t.test('member.created and member.updated are recorded; an unchanged upsert records nothing', async (t) => {
  await api('PUT', '/v1/members/emp-2', { body: { name: 'Ben' } });
  await api('PUT', '/v1/members/emp-2', { body: { name: 'Ben' } });
  await api('PUT', '/v1/members/emp-2', { body: { name: 'Benjamin' } });
  const events = await api('GET', '/v1/events?types=member.*&limit=1000');
  const forBen = events.body.data.filter((event: { subject: string }) => event.subject === 'emp-2');
  t.same(
    forBen.map((event: { type: string }) => event.type),
    ['member.created', 'member.updated'],
  );
  t.same(forBen[1].data.changed, ['name']);
  const audit = await api('GET', '/v1/audit?entityType=member&entityId=emp-2');
  t.same(
    audit.body.data.map((entry: { action: string }) => entry.action),
    ['member.updated', 'member.created'],
  );
});

t.test('validation names every bad field', async (t) => {
  const response = await api('PUT', '/v1/members/emp-3', {
    body: { email: 'not-an-email', phone: '0812', country: 'XX', preferredChannel: 'fax', surprise: true },
  });
  t.equal(response.status, 400);
  t.equal(response.body.error.code, 'validation_failed');
  const paths = response.body.error.details.map((detail: { path: string }) => detail.path).sort();
  t.same(paths, ['country', 'email', 'phone', 'preferredChannel', 'surprise']);
  t.match(
    response.body.error.details.find((d: { path: string }) => d.path === 'country').message,
    /ISO 3166-1/,
  );
  const badRef = await api('PUT', '/v1/members/has%20space', { body: {} });
  t.equal(badRef.status, 400);
  t.equal(badRef.body.error.details[0].in, 'params');
  t.equal((await api('GET', '/v1/members/nobody')).status, 404);
});

t.test('list filters by segment, tier and text, and pages with nextCursor', async (t) => {
  for (let i = 0; i < 7; i++) {
    await api('PUT', `/v1/members/list-${i}`, {
      body: { name: `Lister ${i}`, tier: i % 2 ? 'silver' : 'bronze', segments: i < 3 ? ['vip'] : [] },
    });
  }
  const vip = await api('GET', '/v1/members?segment=vip');
  t.same(
    vip.body.data.map((m: { externalRef: string }) => m.externalRef),
    ['list-0', 'list-1', 'list-2'],
  );
  const silver = await api('GET', '/v1/members?tier=silver&q=lister');
  t.same(
    silver.body.data.map((m: { externalRef: string }) => m.externalRef),
    ['list-1', 'list-3', 'list-5'],
  );

  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await api('GET', `/v1/members?q=Lister&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
    t.equal(page.status, 200);
    seen.push(...page.body.data.map((m: { externalRef: string }) => m.externalRef));
    cursor = page.body.nextCursor;
    pages++;
  } while (cursor);
  t.equal(pages, 3);
  t.same(
    seen,
    Array.from({ length: 7 }, (_, i) => `list-${i}`),
  );
  const bad = await api('GET', '/v1/members?cursor=garbage');
  t.equal(bad.status, 400);
  t.equal(bad.body.error.code, 'invalid_cursor');
});
