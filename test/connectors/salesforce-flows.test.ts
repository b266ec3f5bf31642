// The API document a Salesforce Flow registers through External Services: valid OpenAPI 3.0, within
// External Services' limits, and a callout built from it rewards once however often the Flow retries.
import SwaggerParser from '@apidevtools/swagger-parser';
import t from 'tap';
import { activeCampaign } from '../helpers/campaigns.ts';
import { startTestTessera } from '../helpers/tessera.ts';

// biome-ignore lint/suspicious/noExplicitAny: walking an arbitrary JSON document
type Json = any;

function walk(node: Json, visit: (node: Json, depth: number) => void, depth = 0) {
  if (node === null || typeof node !== 'object') return;
  visit(node, depth);
  for (const child of Object.values(node)) walk(child, visit, depth + 1);
}

t.test('the Flow document is what External Services accepts', async (t) => {
  const app = await startTestTessera(t, { TESSERA_PUBLIC_URL: 'https://rewards.example.com' });
  const response = await app.api('GET', '/openapi/salesforce.json', { key: null });
  t.equal(response.status, 200);
  const document = response.body;
  await SwaggerParser.validate(structuredClone(document));
  t.equal(document.openapi, '3.0.0');
  t.same(document.servers, [{ url: 'https://rewards.example.com' }]);
  const operations = Object.values(document.paths).flatMap((item: Json) =>
    Object.entries(item).map(([method, operation]: [string, Json]) => ({ method, operation })),
  );
  t.same(operations.map((o) => o.operation.operationId).sort(), [
    'getIssuance',
    'getMemberBalance',
    'postEvent',
    'sendReward',
    'upsertMember',
  ]);
  walk(document, (node) => {
    for (const banned of ['oneOf', 'anyOf', 'allOf', 'not']) if (banned in node) t.fail(`uses ${banned}`);
    if (node.type === 'object') t.ok(node.properties, 'every object names its properties');
    if (node.additionalProperties !== undefined) t.fail('no free-form objects');
  });
  for (const { method, operation } of operations) {
    if (method === 'get') t.notOk(operation.requestBody, `${operation.operationId}: no GET with a body`);
    else
      t.ok(
        operation.parameters.some((p: Json) => p.in === 'header' && p.name === 'Idempotency-Key'),
        `${operation.operationId} declares Idempotency-Key`,
      );
    for (const [status, answer] of Object.entries(operation.responses) as Array<[string, Json]>) {
      const schema = answer.content?.['application/json']?.schema;
      t.match(
        schema?.$ref,
        /^#\/components\/schemas\/[A-Z]\w+$/,
        `${operation.operationId} ${status}: named`,
      );
      t.equal(document.components.schemas[schema.$ref.split('/').pop()].type, 'object');
    }
  }
  const resolved = await SwaggerParser.dereference(structuredClone(document));
  let deepest = 0;
  walk((resolved as Json).components.schemas, (_node, depth) => {
    deepest = Math.max(deepest, depth);
  });
  t.ok(deepest <= 12, `nesting stays shallow (${deepest})`);
  t.same(Object.keys(document.components.schemas.EventData.properties).slice(0, 3), [
    'amount',
    'currency',
    'opportunityId',
  ]);
});

t.test('a Flow callout from the document rewards once, even retried without a header', async (t) => {
  const app = await startTestTessera(t);
  const campaign = await activeCampaign(app, {
    trigger: { eventType: 'crm.deal_closed', rule: { type: 'direct' } },
  });
  const document = (await app.api('GET', '/openapi/salesforce.json', { key: null })).body;
  const key = await app.keyFor('integration');
  const server = document.servers[0].url;
  const sendReward = document.paths['/v1/issuances'].post;
  t.equal(sendReward.operationId, 'sendReward');
  // What External Services sends: the Named Credential's header and the Flow's input as JSON.
  const callout = () =>
    fetch(`${server}/v1/issuances`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        campaignId: campaign.id,
        memberRef: '0035g00000XyZ12AAB',
        member: { name: 'Asha Rao', email: 'asha@example.com' },
        reason: 'Opportunity 0065g00000AbCdE closed',
        requestId: '0065g00000AbCdE:reward',
      }),
    }).then(async (response) => ({ status: response.status, body: (await response.json()) as Json }));
  const results = await Promise.all([callout(), callout(), callout()]);
  const created = results.filter((r) => r.status === 201);
  t.ok(created.length >= 1, JSON.stringify(results.map((r) => r.status)));
  t.ok(
    results.every(
      (r) => r.status === 201 || (r.status === 409 && r.body.error.code === 'idempotency_in_progress'),
    ),
    'a concurrent retry is told to wait, never rewarded',
  );
  t.equal(new Set(created.map((r) => r.body.id)).size, 1, 'the same issuance');
  t.equal((await app.db('issuances').where({ memberRef: '0035g00000XyZ12AAB' })).length, 1);
  const balance = await app.api('GET', '/v1/members/0035g00000XyZ12AAB/balance', { key });
  t.equal(balance.body.available, 100);
});
