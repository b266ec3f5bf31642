// The vendor HTTP policy: which failures are sent again, after how long, and what comes back as it came.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import t from 'tap';
import { DEFAULT_RETRY, retryDelay, vendorHttp } from '../../connectors/framework/vendor-http.ts';

const policy = { ...DEFAULT_RETRY, backoffMs: 100 };

t.test(
  'refusals wait for Retry-After, capped; failures back off only for calls safe to repeat',
  async (t) => {
    t.equal(retryDelay(policy, 1, { method: 'POST', status: 429, retryAfterMs: 2000 }), 2000);
    t.equal(
      retryDelay(policy, 1, { method: 'GET', status: 503, retryAfterMs: 3_600_000 }),
      policy.maxRetryAfterMs,
      'a Retry-After of an hour is capped',
    );
    const backoff = retryDelay(policy, 3, { method: 'GET', status: 502 });
    t.ok(backoff >= 320 && backoff <= 480, `the third attempt backs off about 4 × 100 ms (${backoff})`);
    t.ok(retryDelay(policy, 1, { method: 'PATCH', code: 'ECONNRESET' }) > 0, 'a reset connection');
    t.equal(retryDelay(policy, 1, { method: 'POST', status: 500 }), 0, 'a POST may have been applied');
    t.equal(retryDelay(policy, 1, { method: 'GET', status: 401 }), 0, 'a 401 is the connector’s to refresh');
    t.equal(retryDelay(policy, 1, { method: 'GET', status: 400 }), 0);
    t.equal(retryDelay(policy, policy.retries + 1, { method: 'GET', status: 503 }), 0, 'retries run out');
    const long = retryDelay({ ...policy, backoffMs: 60_000 }, 4, { method: 'GET', status: 500 });
    t.ok(long <= policy.maxBackoffMs * 1.2, `backoff is capped (${long})`);
  },
);

t.test('through got: a 503 with Retry-After is sent again; a 401 comes back as it came', async (t) => {
  const seen: string[] = [];
  let refusals = 1;
  const server = http.createServer((request, response) => {
    seen.push(`${request.method} ${request.url}`);
    if (request.url === '/busy' && refusals-- > 0)
      return response.writeHead(503, { 'retry-after': '0' }).end();
    if (request.url === '/expired')
      return response.writeHead(401).end('[{"errorCode":"INVALID_SESSION_ID"}]');
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  t.teardown(() => server.close());
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = vendorHttp(
    {},
    { connectorTimeoutMs: 2000, connectorBackoffMs: 10 },
    pino({ level: 'silent' }),
  );

  const busy = await client(`${base}/busy`);
  t.equal(busy.statusCode, 200);
  t.same(
    seen.filter((line) => line === 'GET /busy'),
    ['GET /busy', 'GET /busy'],
  );
  const expired = await client(`${base}/expired`);
  t.equal(expired.statusCode, 401, 'not thrown, not retried');
  t.equal(seen.filter((line) => line === 'GET /expired').length, 1);
});
