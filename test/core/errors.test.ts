import t from 'tap';
import { startTestTessera } from '../helpers/tessera.ts';

const app = await startTestTessera(t, { TESSERA_MAX_BODY_BYTES: '4096' });
const { api } = app;

const isErrorShape = (body: { error?: { code?: unknown; message?: unknown; details?: unknown } }) =>
  typeof body.error?.code === 'string' &&
  typeof body.error?.message === 'string' &&
  Array.isArray(body.error?.details);

t.test('unknown routes answer 404 in the error shape', async (t) => {
  for (const path of ['/nope', '/v1/nothing-here', '/v1/members/a/b/c']) {
    const response = await api('GET', path);
    t.equal(response.status, 404, path);
    t.ok(isErrorShape(response.body));
    t.equal(response.body.error.code, 'not_found');
  }
});

t.test('a body over the limit is 413', async (t) => {
  const response = await api('PUT', '/v1/members/big', {
    body: { attributes: { blob: 'x'.repeat(10_000) } },
  });
  t.equal(response.status, 413);
  t.equal(response.body.error.code, 'payload_too_large');
});

t.test('malformed JSON is 400 malformed_json; other content types are 415', async (t) => {
  const malformed = await api('PUT', '/v1/members/m', { raw: '{"name": "unterminated' });
  t.equal(malformed.status, 400);
  t.equal(malformed.body.error.code, 'malformed_json');
  const text = await api('PUT', '/v1/members/m', { raw: 'name=x', headers: { 'content-type': 'text/csv' } });
  t.equal(text.status, 415);
  t.equal(text.body.error.code, 'unsupported_media_type');
});

t.test('bad input never becomes a 500 and never shows database text', async (t) => {
  const inputs = [
    { attributes: 'not-an-object' },
    { segments: 'vip' },
    { segments: [1, 2] },
    { name: 'x'.repeat(201) },
    { phone: '+1' },
    { name: '\u0000 nul' },
    [],
    'string',
    null,
  ];
  for (const body of inputs) {
    const response = await api('PUT', '/v1/members/bad-input', { raw: JSON.stringify(body) });
    t.ok(
      response.status >= 400 && response.status < 500,
      `${JSON.stringify(body).slice(0, 30)} → ${response.status}`,
    );
    t.ok(isErrorShape(response.body));
    t.notMatch(JSON.stringify(response.body), /violates|relation|column|syntax error|pg_|SQL/i);
  }
  const hugeLimit = await api('GET', '/v1/members?limit=100000');
  t.equal(hugeLimit.status, 400);
  t.equal(hugeLimit.body.error.details[0].path, 'limit');
});
