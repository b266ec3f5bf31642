import t from 'tap';
import { upsertMembers } from '../../core/members/service.ts';
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

t.test(
  'a batch of upserts: created, updated, unchanged and repeated references, with events and audit',
  async (t) => {
    const { db } = app;
    const tenant = await db('tenants').first('id');
    const writer = { tenantId: tenant.id as string, actor: null };
    await api('PUT', '/v1/members/batch-1', { body: { name: 'One', tier: 'silver', attributes: { a: 1 } } });
    await api('PUT', '/v1/members/batch-2', { body: { name: 'Two' } });
    const answers = await db.transaction((trx) =>
      upsertMembers(trx, writer, [
        { externalRef: 'batch-1', input: { tier: 'gold' } },
        { externalRef: 'batch-2', input: { name: 'Two' } },
        { externalRef: 'batch-3', input: { name: 'Three', segments: ['x'], attributes: { b: 'y' } } },
        { externalRef: 'batch-3', input: { name: 'Three again' } },
      ]),
    );
    t.same(
      answers.map(({ created, changed, member }) => [member.externalRef, created, changed]),
      [
        ['batch-1', false, true],
        ['batch-2', false, false],
        ['batch-3', true, true],
        ['batch-3', false, true],
      ],
    );
    const one = await api('GET', '/v1/members/batch-1');
    t.match(
      one.body,
      { name: 'One', tier: 'gold', attributes: { a: 1 } },
      'fields left out keep their values',
    );
    const three = await api('GET', '/v1/members/batch-3');
    t.match(three.body, { name: 'Three again', segments: ['x'], attributes: { b: 'y' } });
    const events = await api('GET', '/v1/events?types=member.*&limit=1000');
    const ours = events.body.data
      .filter((event: { subject: string }) => event.subject.startsWith('batch-'))
      .map((event: { type: string; subject: string }) => `${event.type} ${event.subject}`);
    t.same(ours, [
      'member.created batch-1',
      'member.created batch-2',
      'member.updated batch-1',
      'member.created batch-3',
      'member.updated batch-3',
    ]);
    const audit = await api('GET', '/v1/audit?entityType=member&entityId=batch-3');
    t.same(
      audit.body.data.map((entry: { action: string; actorRole: string }) => [entry.action, entry.actorRole]),
      [
        ['member.updated', 'operator'],
        ['member.created', 'operator'],
      ],
    );
  },
);

t.test(
  'concurrent batches (in opposite orders) and single upserts of the same members create each once, without deadlock',
  async (t) => {
    const { db } = app;
    const tenant = await db('tenants').first('id');
    const writer = { tenantId: tenant.id as string, actor: null };
    const refs = Array.from({ length: 50 }, (_, i) => `race-${i}`);
    const batches = Array.from({ length: 6 }, (_, n) =>
      db.transaction((trx) =>
        upsertMembers(
          trx,
          writer,
          (n % 2 ? [...refs].reverse() : refs).map((externalRef) => ({
            externalRef,
            input: { tier: `t${n}` },
          })),
        ),
      ),
    );
    const singles = refs
      .slice(0, 10)
      .map((ref) => api('PUT', `/v1/members/${ref}`, { body: { name: `single ${ref}` } }));
    const results = await Promise.all(batches);
    const puts = await Promise.all(singles);
    t.ok(
      puts.every((put) => put.status === 200 || put.status === 201),
      'every single upsert answered',
    );
    const created =
      results.flat().filter((result) => result.created).length + puts.filter((p) => p.status === 201).length;
    t.equal(created, refs.length, 'each member was created exactly once');
    const stored = await db('members').whereIn('externalRef', refs).count<{ count: string }[]>('* as count');
    t.equal(Number(stored[0].count), refs.length);
    const createdEvents = await db('events')
      .where({ type: 'member.created' })
      .whereIn('subject', refs)
      .count<{ count: string }[]>('* as count');
    t.equal(Number(createdEvents[0].count), refs.length, 'one member.created each');
  },
);

t.test('a member has a locale and the channels they opted out of', async (t) => {
  const app = await startTestTessera(t);
  const put = (body: object) => app.api('PUT', '/v1/members/L1', { body });
  t.match((await put({ name: 'Lia', locale: 'pt-br', optOuts: ['sms'] })).body, {
    locale: 'pt-BR',
    optOuts: ['sms'],
  });
  t.match((await put({ optOuts: [] })).body, { locale: 'pt-BR', optOuts: [] }, '[] clears them');
  t.equal((await put({ locale: 'not a locale!' })).body.error.code, 'validation_failed');
  t.equal((await put({ optOuts: ['fax'] })).body.error.code, 'validation_failed');
  t.same((await app.api('PUT', '/v1/members/L2', { body: { name: 'Lee' } })).body.optOuts, []);
});
