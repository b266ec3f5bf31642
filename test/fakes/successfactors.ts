// A local SAP SuccessFactors that speaks the OData v2 wire format: POST /oauth/token for the SAML
// bearer grant (the assertion's signature checked against the registered certificate's key), Basic as
// `user@companyId`, GET /odata/v2/User with $format=json, $select, $filter (status in …, which
// otherwise defaults to active users only; lastModifiedDateTime gt datetimeoffset'…'), $orderby, and
// server-side paging: `{"d": {"results": [...], "__next": "…$skiptoken=…"}}`. Dates go out as
// /Date(ms)/ and /Date(ms+0000)/; errors as {"error": {"code", "message": {"lang", "value"}}}.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignedXml } from 'xml-crypto';

export type SfUser = {
  userId: string;
  status: 't' | 'f' | 'T' | 'F';
  lastModified: number;
  [property: string]: unknown;
};

export interface FakeSuccessFactors {
  url: string;
  companyId: string;
  clientId: string;
  apiUser: string;
  privateKey: string;
  basic: { username: string; password: string };
  users: SfUser[];
  pageSize: number;
  // Where __next links point, when not at this server (a link Tessera must refuse to follow).
  nextOrigin: string | null;
  // Every User request's query string, as sent.
  queries: string[];
  tokenRequests: Array<Record<string, string>>;
  // The next User requests answer these statuses (with Retry-After when given).
  failNext: Array<{ status: number; retryAfter?: string }>;
  expireTokens: () => void;
  close: () => Promise<void>;
}

const odataDate = (ms: number, offset = false) => `/Date(${ms}${offset ? '+0000' : ''})/`;

export function sfUsers(count: number, from = 0, at = Date.UTC(2026, 0, 1)): SfUser[] {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    return {
      userId: `emp${String(i).padStart(6, '0')}`,
      status: 't',
      lastModified: at + i * 1000,
      defaultFullName: `Employee ${i}`,
      email: `Employee.${i}@Example.com`,
      department: i % 2 ? 'Sales' : 'Operations',
      division: 'Retail',
      location: 'Oslo',
      hireDate: Date.UTC(2016 + (i % 9), i % 12, 1 + (i % 28)),
      custom01: `grade-${i % 5}`,
    };
  });
}

function send(response: http.ServerResponse, status: number, body: unknown, headers = {}) {
  response.writeHead(status, { 'content-type': 'application/json;charset=utf-8', ...headers });
  response.end(JSON.stringify(body));
}
const odataError = (code: string, value: string) => ({ error: { code, message: { lang: 'en-US', value } } });

async function bodyOf(request: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function present(user: SfUser, select: string[] | null): Record<string, unknown> {
  const row: Record<string, unknown> = {
    __metadata: { uri: `User('${user.userId}')`, type: 'SFOData.User' },
  };
  const full: Record<string, unknown> = {
    ...user,
    hireDate: typeof user.hireDate === 'number' ? odataDate(user.hireDate) : user.hireDate,
    lastModifiedDateTime: odataDate(user.lastModified, true),
  };
  delete full.lastModified;
  for (const [key, value] of Object.entries(full)) if (!select || select.includes(key)) row[key] = value;
  return row;
}

// The filters SuccessFactors takes here: status in (…) and lastModifiedDateTime gt datetimeoffset'…'.
function filterOf(filter: string | null): ((user: SfUser) => boolean) | string {
  const clauses = filter ? filter.split(' and ') : [];
  let statuses = ['t', 'T'];
  let after = Number.NEGATIVE_INFINITY;
  for (const clause of clauses) {
    const inList = /^status in (('[tfTF]',?)+)$/.exec(clause);
    const since = /^lastModifiedDateTime gt datetimeoffset'([^']+)'$/.exec(clause);
    if (inList) statuses = [...inList[1].matchAll(/'([tfTF])'/g)].map((m) => m[1]);
    else if (since && !Number.isNaN(Date.parse(since[1]))) after = Date.parse(since[1]);
    else return `Invalid filter clause: ${clause}`;
  }
  return (user) => statuses.includes(user.status) && user.lastModified > after;
}

export async function startFakeSuccessFactors(): Promise<FakeSuccessFactors> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  let tokens = new Set<string>();
  const snapshots = new Map<string, { rows: SfUser[]; select: string[] | null; at: number }>();
  let base = '';
  const fake: FakeSuccessFactors = {
    url: '',
    companyId: 'ACMECORP',
    clientId: `client-${randomBytes(6).toString('hex')}`,
    apiUser: 'sfapi',
    privateKey: keyPem,
    basic: { username: 'sfadmin', password: randomBytes(8).toString('hex') },
    users: [],
    pageSize: 1000,
    nextOrigin: null,
    queries: [],
    tokenRequests: [],
    failNext: [],
    expireTokens: () => {
      tokens = new Set();
    },
    close: async () => {},
  };

  const issueToken = (form: URLSearchParams, response: http.ServerResponse) => {
    fake.tokenRequests.push(Object.fromEntries(form));
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:saml2-bearer')
      return send(response, 400, { errorMessage: 'unsupported grant_type' });
    if (form.get('company_id') !== fake.companyId || form.get('client_id') !== fake.clientId)
      return send(response, 401, { errorMessage: 'Unknown company or client' });
    const xml = Buffer.from(form.get('assertion') ?? '', 'base64').toString('utf8');
    const verifier = new SignedXml({ publicCert: publicPem });
    const signature = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(xml)?.[0];
    let valid = false;
    if (signature) {
      verifier.loadSignature(signature);
      try {
        valid = verifier.checkSignature(xml);
      } catch {
        valid = false;
      }
    }
    const names = /<saml2:NameID[^>]*>([^<]*)</.exec(xml)?.[1];
    const apiKey = /<saml2:Attribute Name="api_key"><saml2:AttributeValue>([^<]*)</.exec(xml)?.[1];
    const audience = /<saml2:Audience>([^<]*)</.exec(xml)?.[1];
    if (!valid || names !== fake.apiUser || apiKey !== fake.clientId || audience !== 'www.successfactors.com')
      return send(response, 401, { errorMessage: 'Unable to verify the SAML assertion' });
    const token = randomBytes(16).toString('hex');
    tokens.add(token);
    send(response, 200, { access_token: token, token_type: 'Bearer', expires_in: 86399 });
  };

  const authorized = (header: string | undefined) => {
    if (header?.startsWith('Bearer ')) return tokens.has(header.slice(7));
    if (header?.startsWith('Basic ')) {
      const [user, password] = Buffer.from(header.slice(6), 'base64').toString().split(':');
      return user === `${fake.basic.username}@${fake.companyId}` && password === fake.basic.password;
    }
    return false;
  };

  const users = (url: URL, response: http.ServerResponse) => {
    fake.queries.push(url.search);
    const failure = fake.failNext.shift();
    if (failure)
      return send(response, failure.status, odataError('LIMIT_EXCEEDED', 'Too many requests'), {
        ...(failure.retryAfter && { 'retry-after': failure.retryAfter }),
      });
    if (url.searchParams.has('$top') || url.searchParams.has('$skip'))
      return send(response, 400, odataError('COE_GENERAL_BAD_REQUEST', 'Use server-side paging'));
    const token = url.searchParams.get('$skiptoken');
    let snapshot = token ? snapshots.get(token) : undefined;
    if (token && !snapshot)
      return send(response, 400, odataError('COE_GENERAL_BAD_REQUEST', 'Invalid skiptoken'));
    if (!snapshot) {
      if (url.searchParams.get('$format') !== 'json')
        return send(response, 400, odataError('COE_GENERAL_BAD_REQUEST', 'This fake speaks JSON only'));
      const filter = filterOf(url.searchParams.get('$filter'));
      if (typeof filter === 'string')
        return send(response, 400, odataError('COE_GENERAL_BAD_REQUEST', filter));
      const rows = fake.users.filter(filter);
      if (url.searchParams.get('$orderby')?.startsWith('lastModifiedDateTime'))
        rows.sort((a, b) => a.lastModified - b.lastModified || (a.userId < b.userId ? -1 : 1));
      snapshot = { rows, select: url.searchParams.get('$select')?.split(',') ?? null, at: 0 };
    }
    const page = snapshot.rows.slice(snapshot.at, snapshot.at + fake.pageSize);
    const rest = snapshot.at + page.length < snapshot.rows.length;
    let next: string | undefined;
    if (rest) {
      const nextToken = randomBytes(8).toString('hex');
      snapshots.set(nextToken, { ...snapshot, at: snapshot.at + page.length });
      next = `${fake.nextOrigin ?? base}/odata/v2/User?$format=json&$skiptoken=${nextToken}`;
    }
    send(response, 200, {
      d: { results: page.map((user) => present(user, snapshot.select)), ...(next && { __next: next }) },
    });
  };

  const server = http.createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', base);
    if (request.method === 'POST' && url.pathname === '/oauth/token')
      return issueToken(new URLSearchParams(await bodyOf(request)), response);
    if (!authorized(request.headers.authorization))
      return send(response, 401, odataError('LGN0022', 'Authentication failed'));
    if (request.method === 'GET' && url.pathname === '/odata/v2/User') return users(url, response);
    send(response, 404, odataError('COE_RESOURCE_NOT_FOUND', `No resource ${url.pathname}`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.url = base;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}
