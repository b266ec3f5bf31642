import { randomUUID } from 'node:crypto';
import t from 'tap';
import { startTestTessera } from '../helpers/tessera.ts';

const app = await startTestTessera(t);
const { api } = app;

t.test('a missing, malformed, unknown or revoked key gets 401', async (t) => {
  for (const key of [null, 'tsk_unknown_key_value']) {
    const response = await api('GET', '/v1/members', { key });
    t.equal(response.status, 401);
    t.equal(response.body.error.code, 'unauthorized');
    t.match(response.headers.get('www-authenticate'), /^Bearer/);
  }
  const basic = await api('GET', '/v1/members', { key: null, headers: { authorization: 'Basic abc' } });
  t.equal(basic.status, 401);

  const created = await api('POST', '/v1/api-keys', { body: { name: 'temp', role: 'integration' } });
  t.equal(created.status, 201);
  t.match(created.body.key, /^tsk_/);
  t.equal((await api('GET', '/v1/members', { key: created.body.key })).status, 200);
  t.equal((await api('DELETE', `/v1/api-keys/${created.body.id}`)).status, 204);
  t.equal((await api('GET', '/v1/members', { key: created.body.key })).status, 401);
  t.equal((await api('DELETE', `/v1/api-keys/${created.body.id}`)).status, 204, 'revoking twice is fine');
});

t.test('keys are stored only as a hash, listed without it, with last-used time', async (t) => {
  const created = await api('POST', '/v1/api-keys', { body: { name: 'dashboard', role: 'viewer' } });
  const stored = await app.db('api_keys').where({ id: created.body.id }).first();
  t.not(stored.keyHash, created.body.key);
  t.notOk(JSON.stringify(stored).includes(created.body.key), 'the key itself is nowhere in the row');
  await api('GET', '/v1/members', { key: created.body.key });
  const list = await api('GET', '/v1/api-keys?limit=200');
  const listed = list.body.data.find((key: { id: string }) => key.id === created.body.id);
  t.ok(listed.lastUsedAt, 'last-used time recorded');
  t.equal(listed.key, undefined);
  t.equal(listed.keyHash, undefined);
  t.equal(listed.keyPrefix, created.body.key.slice(0, 10));
});

t.test('each role reaches only what it may: wrong role → 403', async (t) => {
  const keys = {
    admin: app.adminKey,
    integration: await app.keyFor('integration'),
    viewer: await app.keyFor('viewer'),
    partner: await app.keyFor('partner', { partnerId: randomUUID() }),
  };
  const calls: Array<[string, string, unknown, Record<keyof typeof keys, number>]> = [
    ['GET', '/v1/members', undefined, { admin: 200, integration: 200, viewer: 200, partner: 403 }],
    [
      'PUT',
      '/v1/members/role-check',
      { name: 'R' },
      { admin: 200, integration: 200, viewer: 403, partner: 403 },
    ],
    ['GET', '/v1/events', undefined, { admin: 200, integration: 200, viewer: 200, partner: 403 }],
    ['GET', '/v1/audit', undefined, { admin: 200, integration: 403, viewer: 403, partner: 403 }],
    ['GET', '/v1/api-keys', undefined, { admin: 200, integration: 403, viewer: 403, partner: 403 }],
    [
      'POST',
      '/v1/api-keys',
      { name: 'x', role: 'viewer' },
      { admin: 201, integration: 403, viewer: 403, partner: 403 },
    ],
  ];
  await api('PUT', '/v1/members/role-check', { body: { name: 'R' } });
  for (const [method, path, body, expected] of calls) {
    for (const [role, key] of Object.entries(keys)) {
      const response = await api(method, path, { key, body });
      t.equal(response.status, expected[role as keyof typeof keys], `${role} ${method} ${path}`);
      if (response.status === 403) t.equal(response.body.error.code, 'forbidden');
    }
  }
});

t.test('partner keys need a partner id, and only partner keys take one', async (t) => {
  const missing = await api('POST', '/v1/api-keys', { body: { name: 'p', role: 'partner' } });
  t.equal(missing.status, 400);
  t.equal(missing.body.error.details[0].path, 'partnerId');
  const stray = await api('POST', '/v1/api-keys', {
    body: { name: 'v', role: 'viewer', partnerId: randomUUID() },
  });
  t.equal(stray.status, 400);
  const unknown = await api('POST', '/v1/api-keys', {
    body: { name: 'p', role: 'partner', partnerId: randomUUID() },
  });
  t.equal(unknown.status, 404, "a partner id must name one of the tenant's partners");
  t.equal(unknown.body.error.code, 'partner_not_found');
  const otherTenant = await app.keyFor('admin', { tenant: 'partners-elsewhere' });
  const theirs = await api('POST', '/v1/partners', { key: otherTenant, body: { name: 'Theirs' } });
  const foreign = await api('POST', '/v1/api-keys', {
    body: { name: 'p', role: 'partner', partnerId: theirs.body.id },
  });
  t.equal(foreign.body.error?.code, 'partner_not_found', "another tenant's partner is not found");
  const ours = await api('POST', '/v1/partners', { body: { name: 'Ours' } });
  const partner = await api('POST', '/v1/api-keys', {
    body: { name: 'p', role: 'partner', partnerId: ours.body.id },
  });
  t.equal(partner.status, 201);
  const token = await api('POST', '/v1/live/tokens', { body: { partnerId: randomUUID() } });
  t.equal(token.body.error?.code, 'partner_not_found', 'live tokens check their partner too');
});

t.test("another tenant's objects are 404, never revealed", async (t) => {
  const otherAdmin = await app.keyFor('admin', { tenant: 'acme' });
  await api('PUT', '/v1/members/shared-ref', { body: { name: 'Default tenant member' } });
  t.equal((await api('GET', '/v1/members/shared-ref', { key: otherAdmin })).status, 404);
  const theirs = await api('PUT', '/v1/members/shared-ref', {
    key: otherAdmin,
    body: { name: 'Acme member' },
  });
  t.equal(theirs.status, 201, 'the same reference is a different member in another tenant');
  t.equal((await api('GET', '/v1/members/shared-ref')).body.name, 'Default tenant member');

  const theirKey = await api('POST', '/v1/api-keys', {
    key: otherAdmin,
    body: { name: 'acme pos', role: 'integration' },
  });
  const revoke = await api('DELETE', `/v1/api-keys/${theirKey.body.id}`);
  t.equal(revoke.status, 404);
  t.equal((await api('GET', '/v1/members', { key: theirKey.body.key })).status, 200, 'their key still works');
  const listed = await api('GET', '/v1/api-keys?limit=200');
  t.notOk(listed.body.data.some((key: { id: string }) => key.id === theirKey.body.id));
  const events = await api('GET', '/v1/events?limit=1000', { key: otherAdmin });
  t.ok(events.body.data.every((event: { subject: string }) => event.subject === 'shared-ref'));
  t.equal(events.body.data.length, 1, "only acme's own event");
});

t.test('a key revoked by another process stops working within the cache time', async (t) => {
  const cached = await startTestTessera(t, { TESSERA_AUTH_CACHE_SECONDS: '1' });
  const uncached = await startTestTessera(t, { TESSERA_AUTH_CACHE_SECONDS: '0' });
  for (const server of [cached, uncached]) {
    const key = await server.keyFor('integration');
    t.equal((await server.api('GET', '/v1/members', { key })).status, 200);
    // Revoked as another process would: straight in the database, with no local invalidation.
    await server.db('api_keys').where({ role: 'integration' }).whereNull('revokedAt').update({
      revokedAt: server.db.fn.now(),
    });
    const soon = (await server.api('GET', '/v1/members', { key })).status;
    t.equal(soon, server === cached ? 200 : 401, 'the cache answers until it expires; no cache, no delay');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    t.equal((await server.api('GET', '/v1/members', { key })).status, 401);
  }
});
