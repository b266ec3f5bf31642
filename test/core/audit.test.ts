import t from 'tap';
import { startTestTessera } from '../helpers/tessera.ts';

const app = await startTestTessera(t);
const { api } = app;

t.test('key creation, revocation and member changes are audited with actor and request id', async (t) => {
  const created = await api('POST', '/v1/api-keys', { body: { name: 'crm', role: 'integration' } });
  await api('DELETE', `/v1/api-keys/${created.body.id}`, { headers: { 'x-request-id': 'revoke-req-1' } });
  await api('PUT', '/v1/members/aud-1', { body: { name: 'Audited' } });
  const keyTrail = await api('GET', `/v1/audit?entityType=api_key&entityId=${created.body.id}`);
  t.same(
    keyTrail.body.data.map((entry: { action: string }) => entry.action),
    ['api_key.revoked', 'api_key.created'],
  );
  t.match(keyTrail.body.data[0], { actorRole: 'admin', requestId: 'revoke-req-1', summary: /crm/ });
  t.ok(keyTrail.body.data[0].actorKeyId);
  const memberTrail = await api('GET', '/v1/audit?entityType=member&entityId=aud-1');
  t.equal(memberTrail.body.data.length, 1);
});

t.test('time filters and paging', async (t) => {
  const future = await api('GET', `/v1/audit?from=${new Date(Date.now() + 60_000).toISOString()}`);
  t.same(future.body.data, []);
  const page = await api('GET', '/v1/audit?limit=1');
  t.equal(page.body.data.length, 1);
  t.ok(page.body.nextCursor);
  const next = await api('GET', `/v1/audit?limit=1&cursor=${page.body.nextCursor}`);
  t.ok(Number(next.body.data[0].id) < Number(page.body.data[0].id), 'newest first');
});

t.test('the database refuses UPDATE, DELETE and TRUNCATE on the audit log', async (t) => {
  const before = await app.db('audit_log').count({ n: '*' }).first();
  await t.rejects(app.db.raw(`UPDATE audit_log SET summary = 'rewritten'`), /append-only/);
  await t.rejects(app.db.raw('DELETE FROM audit_log'), /append-only/);
  await t.rejects(app.db.raw('TRUNCATE audit_log'), /append-only/);
  const after = await app.db('audit_log').count({ n: '*' }).first();
  t.equal(Number(after?.n), Number(before?.n));
  t.ok(Number(after?.n) > 0);
});
