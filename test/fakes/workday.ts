// A local Workday that speaks the wire formats Tessera uses: Reports-as-a-Service
// (GET /ccx/service/customreport2/{tenant}/{owner}/{report}?format=json, Basic, {"Report_Entry": [...]})
// and the REST API (POST /ccx/oauth2/{tenant}/token with the refresh-token grant and Basic client
// credentials, optionally rotating the refresh token; GET /ccx/api/v1/{tenant}/workers?limit=&offset=
// answering {"total", "data"}; errors as {"error", "error_description"}).
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeWorkday {
  url: string;
  tenant: string;
  isu: { username: string; password: string };
  client: { clientId: string; clientSecret: string };
  // The refresh token Workday accepts now; rotating replaces it on every grant.
  refreshToken: string;
  rotate: boolean;
  report: Array<Record<string, unknown>>;
  workers: Array<Record<string, unknown>>;
  // Requests, as `METHOD path?query`.
  calls: string[];
  // The next API calls (not the token endpoint) answer these statuses before anything else.
  failNext: Array<{ status: number; retryAfter?: string }>;
  // workers pages answer after this long, so that a test can stop a run mid-way.
  pageDelayMs: number;
  close: () => Promise<void>;
}

export function workdayWorkers(count: number) {
  return Array.from({ length: count }, (_, i) => ({
    id: randomBytes(16).toString('hex'),
    descriptor: `Worker ${i}`,
    workerId: `W${String(i).padStart(5, '0')}`,
    primaryWorkEmail: `Worker.${i}@example.com`,
    businessTitle: i % 3 ? 'Associate' : 'Manager',
    primarySupervisoryOrganization: { id: 'org1', descriptor: i % 2 ? 'Sales' : 'Stores' },
    location: { descriptor: 'Bergen' },
  }));
}

export function reportEntries(count: number) {
  return Array.from({ length: count }, (_, i) => ({
    Employee_ID: `E${String(i).padStart(5, '0')}`,
    Legal_Name: `Employee ${i}`,
    Email_Work: `employee.${i}@example.com`,
    Cost_Center: i % 2 ? 'CC-100 Sales' : 'CC-200 Stores',
    Hire_Date: `20${String(10 + (i % 15)).padStart(2, '0')}-03-15`,
    Active_Status: '1',
  }));
}

function send(response: http.ServerResponse, status: number, body: unknown, headers = {}) {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

const basicOf = (header: string | undefined) =>
  header?.startsWith('Basic ') ? Buffer.from(header.slice(6), 'base64').toString() : null;

async function bodyOf(request: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeWorkday(): Promise<FakeWorkday> {
  const tokens = new Set<string>();
  const fake: FakeWorkday = {
    url: '',
    tenant: 'acme_impl',
    isu: { username: 'ISU_Tessera', password: randomBytes(8).toString('hex') },
    client: { clientId: randomBytes(8).toString('hex'), clientSecret: randomBytes(12).toString('hex') },
    refreshToken: randomBytes(16).toString('hex'),
    rotate: false,
    report: [],
    workers: [],
    calls: [],
    failNext: [],
    pageDelayMs: 0,
    close: async () => {},
  };

  const grant = (form: URLSearchParams, authorization: string | undefined, response: http.ServerResponse) => {
    if (basicOf(authorization) !== `${fake.client.clientId}:${fake.client.clientSecret}`)
      return send(response, 401, {
        error: 'invalid_client',
        error_description: 'Invalid client credentials',
      });
    if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== fake.refreshToken)
      return send(response, 400, { error: 'invalid_grant', error_description: 'Invalid refresh token' });
    const accessToken = randomBytes(16).toString('hex');
    tokens.add(accessToken);
    if (fake.rotate) fake.refreshToken = randomBytes(16).toString('hex');
    send(response, 200, {
      access_token: accessToken,
      token_type: 'Bearer',
      ...(fake.rotate && { refresh_token: fake.refreshToken }),
    });
  };

  const workers = async (url: URL, authorization: string | undefined, response: http.ServerResponse) => {
    if (!authorization?.startsWith('Bearer ') || !tokens.has(authorization.slice(7)))
      return send(response, 401, { error: 'invalid access token' });
    const limit = Number(url.searchParams.get('limit') ?? 20);
    const offset = Number(url.searchParams.get('offset') ?? 0);
    if (!(limit >= 1 && limit <= 100)) return send(response, 400, { error: 'limit must be 1 to 100' });
    if (fake.pageDelayMs) await new Promise((resolve) => setTimeout(resolve, fake.pageDelayMs));
    send(response, 200, { total: fake.workers.length, data: fake.workers.slice(offset, offset + limit) });
  };

  const server = http.createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', fake.url);
    fake.calls.push(`${request.method} ${url.pathname}${url.search}`);
    const { authorization } = request.headers;
    if (request.method === 'POST' && url.pathname === `/ccx/oauth2/${fake.tenant}/token`)
      return grant(new URLSearchParams(await bodyOf(request)), authorization, response);
    const failure = fake.failNext.shift();
    if (failure)
      return send(
        response,
        failure.status,
        { error: 'Too many requests' },
        {
          ...(failure.retryAfter && { 'retry-after': failure.retryAfter }),
        },
      );
    if (request.method === 'GET' && url.pathname === `/ccx/api/v1/${fake.tenant}/workers`)
      return workers(url, authorization, response);
    if (request.method === 'GET' && url.pathname.startsWith(`/ccx/service/customreport2/${fake.tenant}/`)) {
      if (basicOf(authorization) !== `${fake.isu.username}:${fake.isu.password}`)
        return send(response, 401, { error: 'Invalid user name or password' });
      if (url.searchParams.get('format') !== 'json') return send(response, 400, { error: 'format=json' });
      return send(response, 200, { Report_Entry: fake.report });
    }
    send(response, 404, { error: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}
