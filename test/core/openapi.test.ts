import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import openapiTS from 'openapi-typescript';
import t from 'tap';
import { ROOT } from '../helpers/process.ts';
import { startTestTessera } from '../helpers/tessera.ts';

const app = await startTestTessera(t);

t.test('/openapi.json is a valid OpenAPI 3.0 document with Bearer auth', async (t) => {
  const response = await app.api('GET', '/openapi.json', { key: null });
  t.equal(response.status, 200);
  const document = response.body;
  t.match(document.openapi, /^3\.0\./);
  await SwaggerParser.validate(structuredClone(document));
  t.same(document.components.securitySchemes.bearer, {
    type: 'http',
    scheme: 'bearer',
    description: 'A Tessera API key (tsk_...)',
  });
  for (const path of ['/v1/members/{externalRef}', '/v1/api-keys', '/v1/events', '/v1/audit']) {
    t.ok(document.paths[path], `${path} is described`);
  }
  // biome-ignore lint/suspicious/noExplicitAny: walking a parsed document
  const resolved: any = await SwaggerParser.dereference(structuredClone(document));
  const schema =
    resolved.paths['/v1/members/{externalRef}'].put.requestBody.content['application/json'].schema;
  t.match(
    schema.properties.preferredChannel.enum,
    ['sms', 'email', 'whatsapp'],
    'schemas come from the Joi validation',
  );
});

t.test('/docs serves a browsable page', async (t) => {
  const response = await app.api('GET', '/docs', { key: null });
  t.equal(response.status, 200);
  t.match(response.headers.get('content-type'), /text\/html/);
  t.match(response.body, /swagger/i);
});

t.test('/ answers a small index that points to the docs, the API document and the dashboard', async (t) => {
  const response = await app.api('GET', '/', { key: null });
  t.equal(response.status, 200);
  t.match(response.body, {
    name: 'Tessera',
    docs: '/docs',
    openapi: '/openapi.json',
    dashboard: '/dashboard',
  });
  for (const path of [response.body.docs, response.body.openapi, response.body.dashboard])
    t.equal((await app.api('GET', path, { key: null })).status, 200, `${path} answers`);
});

// biome-ignore lint/suspicious/noExplicitAny: walking a parsed document
type Json = any;
const document: Json = (await app.api('GET', '/openapi.json', { key: null })).body;
const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
  Object.entries(methods as Json).map(([method, operation]) => ({
    path,
    method,
    operation: operation as Json,
  })),
);

t.test(
  'every operation has an id, a tag, its 2xx answer and the error shape; mutations take an Idempotency-Key',
  async (t) => {
    const ids = operations.map(({ operation }) => operation.operationId);
    t.equal(new Set(ids).size, ids.length, 'operation ids are unique');
    for (const { path, method, operation } of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      t.match(operation.operationId, /^[a-z][A-Za-z]+$/, `${where} has an operation id`);
      t.ok(operation.tags?.length, `${where} has a tag`);
      const success = Object.keys(operation.responses).filter((status) => status.startsWith('2'));
      t.ok(success.length, `${where} documents its success`);
      for (const status of success) {
        if (status === '204') continue;
        t.ok(
          operation.responses[status].content?.['application/json']?.schema,
          `${where} ${status} has a schema`,
        );
      }
      const errors = Object.keys(operation.responses).filter((status) => /^[45]/.test(status));
      t.ok(errors.includes('503'), `${where} documents 503`);
      for (const status of errors)
        t.same(
          operation.responses[status].content['application/json'].schema,
          { $ref: '#/components/schemas/Error' },
          `${where} ${status} is the error shape`,
        );
      const idempotent = (operation.parameters ?? []).some(
        (p: Json) => p.$ref === '#/components/parameters/IdempotencyKey',
      );
      t.equal(
        idempotent,
        method !== 'get',
        `${where}: Idempotency-Key ${method === 'get' ? 'not ' : ''}offered`,
      );
    }
    const names = Object.keys(document.components.schemas);
    t.notOk(
      names.some((name) => /^Model\d+$/.test(name)),
      'no schema is named ModelN',
    );
    for (const name of ['Member', 'Balance', 'Transfer', 'Campaign', 'Issuance', 'Error'])
      t.ok(names.includes(name), `${name} is a named schema`);
    t.notOk(JSON.stringify(document).includes('x-alt-definitions'), 'no reference points outside components');
    t.equal(document.components.parameters.IdempotencyKey.in, 'header');
    for (const [operationId, schema] of [
      ['getMemberBalance', 'Balance'],
      ['createCredit', 'TransferWithBalance'],
      ['upsertMember', 'Member'],
      ['getIssuance', 'Issuance'],
    ]) {
      const found = operations.find(({ operation }) => operation.operationId === operationId);
      const answer = found?.operation.responses[operationId === 'createCredit' ? '201' : '200'];
      t.same(
        answer.content['application/json'].schema,
        { $ref: `#/components/schemas/${schema}` },
        operationId,
      );
    }
  },
);

t.test('real answers have the documented shapes', async (t) => {
  const { server } = app.tessera;
  const check = async (method: string, path: string, body?: object) => {
    const response = await app.api(method, path, { body });
    const route = server.match(method.toLowerCase() as 'get', path.split('?')[0]);
    const documented = (route?.settings.plugins as Json)?.['hapi-swagger']?.responses?.[response.status];
    t.ok(documented?.schema, `${method} ${path} answers a documented ${response.status}`);
    const { error } = documented.schema.validate(response.body);
    t.notOk(error, `${method} ${path} ${response.status} has the documented shape ${error?.message ?? ''}`);
    return response.body;
  };
  await check('PUT', '/v1/members/doc-1', { name: 'Doc', country: 'IN' });
  await check('GET', '/v1/members?limit=1');
  await check('POST', '/v1/ledger/credits', { memberRef: 'doc-1', amount: 50, source: 'admin' });
  const reserved = await check('POST', '/v1/ledger/reservations', {
    memberRef: 'doc-1',
    amount: 5,
    source: 'admin',
  });
  await check('POST', `/v1/ledger/reservations/${reserved.id}/confirm`, {});
  await check('GET', '/v1/members/doc-1/balance');
  await check('GET', '/v1/ledger/transfers?limit=2');
  await check('GET', `/v1/ledger/transfers/${reserved.id}`);
  await check('POST', '/v1/ledger/reversals', { transferId: reserved.id, reason: 'doc' });
  await check('GET', '/v1/ledger/accounts');
  await check('GET', '/v1/events?limit=2');
  await check('GET', '/v1/audit?limit=2');
  await check('POST', '/v1/api-keys', { name: 'doc', role: 'viewer' });
  await check('GET', '/v1/api-keys?limit=2');
  const partner = await check('POST', '/v1/partners', { name: 'Doc partner' });
  await check('PATCH', `/v1/partners/${partner.id}`, { ledgerAccess: 'redeem' });
  await check('GET', '/v1/partners');
  const offer = await check('POST', '/v1/offers', {
    partnerId: partner.id,
    name: 'Doc voucher',
    type: 'gift_card',
    currency: 'INR',
    denominations: { fixed: [500] },
  });
  await check('POST', `/v1/offers/${offer.id}/codes`, { denomination: 500, codes: ['DOC-0001'] });
  await check('GET', `/v1/offers/${offer.id}`);
  await check('GET', '/v1/offers');
  const campaign = await check('POST', '/v1/campaigns', {
    name: 'Doc campaign',
    startsAt: '2020-01-01T00:00:00Z',
    endsAt: '2099-01-01T00:00:00Z',
    trigger: { eventType: 'doc.done', rule: { type: 'each' } },
    reward: { type: 'points', amount: 1 },
    approval: 'manual',
  });
  await check('POST', `/v1/campaigns/${campaign.id}/activate`);
  await check('GET', `/v1/campaigns/${campaign.id}`);
  await check('GET', '/v1/campaigns');
  await check('POST', `/v1/campaigns/${campaign.id}/simulate`, {
    events: [{ type: 'doc.done', memberRef: 'doc-1' }],
  });
  await check('POST', '/v1/events', {
    type: 'doc.done',
    source: 'doc',
    sourceEventId: 'd-1',
    memberRef: 'doc-1',
  });
  await check('GET', '/v1/events/inbound?limit=1');
  const issuances = await check('GET', '/v1/issuances?limit=1');
  await check('GET', `/v1/issuances/${issuances.data[0].id}`);
  await check('POST', `/v1/issuances/${issuances.data[0].id}/approve`);
  await check('POST', '/v1/issuances/approve', { ids: [issuances.data[0].id] });
  await check('POST', '/v1/issuances', { campaignId: campaign.id, memberRef: 'doc-1', reason: 'doc' });
  await check('POST', '/v1/live/tokens', {});
  await check('GET', '/v1/webhook-endpoints');
  await check('GET', '/v1/inbound-sources');
  await check('GET', '/v1/members/nobody');
  await check('POST', '/v1/ledger/credits', { memberRef: 'doc-1' });
});

t.test('a client generated by openapi-typescript type-checks typed calls of five routes', async (t) => {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'tessera-client-'));
  t.teardown(() => rm(folder, { recursive: true, force: true }));
  await writeFile(path.join(folder, 'api.ts'), await openapiTS(document));
  const client = `import type { paths } from './api';
type Body<O> = O extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
type Answer<O> = O extends { responses: { 200: { content: { 'application/json': infer A } } } } ? A
  : O extends { responses: { 201: { content: { 'application/json': infer A } } } } ? A : never;
declare function call<P extends keyof paths, M extends keyof paths[P]>(method: M, path: P, body?: Body<paths[P][M]>): Promise<Answer<paths[P][M]>>;
export async function firstReward(): Promise<number> {
  const member = await call('put', '/v1/members/{externalRef}', { name: 'Asha Rao', country: 'IN', segments: ['sales'] });
  const ref: string = member.externalRef;
  const credit = await call('post', '/v1/ledger/credits', { memberRef: ref, amount: 100, source: 'admin' });
  const reserved = await call('post', '/v1/ledger/reservations', { memberRef: ref, amount: 40, source: 'marketplace', timeoutSeconds: 600 });
  const confirmed = await call('post', '/v1/ledger/reservations/{id}/confirm', { amount: 30 });
  const status: 'pending' | 'posted' | 'voided' | 'expired' = confirmed.status;
  const event = await call('post', '/v1/events', { type: 'deal.closed', source: 'salesforce', sourceEventId: 'opp-1', memberRef: ref });
  const outcome: string = event.outcomes[0].outcome;
  const balance = await call('get', '/v1/members/{externalRef}/balance');
  return balance.available + credit.balance.posted + reserved.amount + status.length + outcome.length;
}
`;
  await writeFile(path.join(folder, 'client.ts'), client);
  const wrong = `import type { components } from './api';\nexport const balance: components['schemas']['Balance'] = { available: 'ten', pending: 0, posted: 0, unit: 'points' };\n`;
  await writeFile(path.join(folder, 'wrong.ts'), wrong);
  const tsc = (file: string) =>
    new Promise<{ code: number | null; output: string }>((resolve) => {
      const flags = [
        '--ignoreConfig',
        '--noEmit',
        '--strict',
        '--target',
        'es2022',
        '--module',
        'preserve',
        '--moduleResolution',
        'bundler',
      ];
      // The compiler's own executable (TypeScript 7 is native): the test runner's module loaders stay out.
      const platform = `typescript-${process.platform}-${process.arch}`;
      const compiler = path.join(ROOT, 'node_modules/@typescript', platform, 'lib/tsc');
      const child = spawn(compiler, [...flags, path.join(folder, file)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk) => {
        output += chunk;
      });
      child.stderr.on('data', (chunk) => {
        output += chunk;
      });
      child.on('exit', (code) => resolve({ code, output }));
    });
  const typed = await tsc('client.ts');
  t.equal(typed.code, 0, `the typed calls compile:\n${typed.output}`);
  const refused = await tsc('wrong.ts');
  t.not(refused.code, 0, 'a wrong type is refused, so the check can fail');
  t.match(
    refused.output,
    /wrong\.ts\(2,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/,
  );
});
