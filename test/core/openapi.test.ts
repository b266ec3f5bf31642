import SwaggerParser from '@apidevtools/swagger-parser';
import t from 'tap';
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
