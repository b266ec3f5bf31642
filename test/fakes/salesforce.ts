// A local Salesforce that speaks the REST wire format jsforce uses: the OAuth token endpoint (client
// credentials and JWT bearer), SOQL query with queryMore paging at 2,000 records, composite sObjects
// upsert, and Salesforce's error bodies ([{message, errorCode}], 401 INVALID_SESSION_ID, 400
// MALFORMED_QUERY). Records live in memory; tests read and change them directly.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';

export const ORG_ID = '00D5g000004ABCDEAZ';
const USER_ID = '0055g00000AbCdEAAV';
const PAGE = 2000;

export type SalesforceRecord = Record<string, unknown> & { Id: string };

export interface FakeSalesforce {
  url: string;
  clientId: string;
  clientSecret: string;
  objects: Map<string, SalesforceRecord[]>;
  // Every token issued so far becomes invalid (the next call gets 401 INVALID_SESSION_ID).
  expireTokens: () => void;
  // While set, every token answered is refused on use: a login that keeps failing.
  refuseAllTokens: boolean;
  // The next this many API calls find their session expired (401 INVALID_SESSION_ID), whatever token.
  expireNextCalls: number;
  tokenRequests: Array<Record<string, string>>;
  queries: string[];
  // Every API call (not the token endpoint), as `METHOD /path`.
  calls: string[];
  // The next API calls answer these statuses (with Retry-After when given) before anything else.
  failNext: Array<{ status: number; retryAfter?: string }>;
  // queryMore answers after this long: a run that is still paging when a test needs it to be.
  pageDelayMs: number;
  // Every access token answered so far, to look for in logs.
  issuedTokens: string[];
  close: () => Promise<void>;
}

let sequence = 0;
// An 18-character Salesforce id with the object's key prefix.
export function salesforceId(prefix: string): string {
  sequence += 1;
  return `${prefix}5g00000${String(sequence).padStart(8, '0')}AAA`.slice(0, 18);
}

function send(response: http.ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' });
  response.end(JSON.stringify(body));
}

const sfError = (message: string, errorCode: string) => [{ message, errorCode }];

async function bodyOf(request: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

interface Soql {
  fields: string[];
  object: string;
  since: string | null;
}

// The SOQL Tessera sends: SELECT fields FROM object [WHERE SystemModstamp >= datetime] ORDER BY ….
function parseSoql(text: string): Soql | null {
  const match =
    /^SELECT\s+(.+?)\s+FROM\s+(\w+)(?:\s+WHERE\s+SystemModstamp\s*>=\s*(\S+))?(?:\s+ORDER BY\s+[\w, ]+)?(?:\s+LIMIT\s+\d+)?$/i.exec(
      text.trim(),
    );
  if (!match) return null;
  return { fields: match[1].split(',').map((f) => f.trim()), object: match[2], since: match[3] ?? null };
}

export async function startFakeSalesforce(): Promise<FakeSalesforce> {
  const tokens = new Set<string>();
  const locators = new Map<string, { records: SalesforceRecord[]; object: string }>();
  const fake = {
    clientId: '3MVG9fake.client',
    clientSecret: randomBytes(8).toString('hex'),
    objects: new Map<string, SalesforceRecord[]>([['Organization', [{ Id: ORG_ID }]]]),
    refuseAllTokens: false,
    expireNextCalls: 0,
    tokenRequests: [] as Array<Record<string, string>>,
    queries: [] as string[],
    calls: [] as string[],
    failNext: [] as Array<{ status: number; retryAfter?: string }>,
    pageDelayMs: 0,
    issuedTokens: [] as string[],
    expireTokens: () => tokens.clear(),
  };
  let base = '';

  const page = (
    object: string,
    records: SalesforceRecord[],
    fields: string[],
    version: string,
    offset: number,
  ) => {
    const slice = records.slice(offset, offset + PAGE).map((record) => ({
      attributes: { type: object, url: `/services/data/v${version}/sobjects/${object}/${record.Id}` },
      ...Object.fromEntries(fields.map((field) => [field, record[field] ?? null])),
    }));
    const done = offset + PAGE >= records.length;
    let nextRecordsUrl: string | undefined;
    if (!done) {
      const locator = `01g${randomBytes(6).toString('hex')}`;
      locators.set(locator, { records, object });
      nextRecordsUrl = `/services/data/v${version}/query/${locator}-${offset + PAGE}`;
      locators.set(`${locator}:fields`, { records: fields as unknown as SalesforceRecord[], object });
    }
    return { totalSize: records.length, done, ...(nextRecordsUrl && { nextRecordsUrl }), records: slice };
  };

  const token = async (request: http.IncomingMessage, response: http.ServerResponse) => {
    const form = Object.fromEntries(new URLSearchParams(await bodyOf(request)));
    fake.tokenRequests.push(form);
    const clientOk =
      form.grant_type === 'client_credentials'
        ? form.client_id === fake.clientId && form.client_secret === fake.clientSecret
        : form.grant_type === 'urn:ietf:params:oauth:grant-type:jwt-bearer' &&
          (() => {
            try {
              return decodeJwt(form.assertion).iss === fake.clientId;
            } catch {
              return false;
            }
          })();
    if (!clientOk)
      return send(response, 400, {
        error: 'invalid_client',
        error_description: 'invalid client credentials',
      });
    const accessToken = `00D!${randomBytes(24).toString('base64url')}`;
    fake.issuedTokens.push(accessToken);
    if (!fake.refuseAllTokens) tokens.add(accessToken);
    send(response, 200, {
      access_token: accessToken,
      instance_url: base,
      id: `${base}/id/${ORG_ID}/${USER_ID}`,
      token_type: 'Bearer',
      issued_at: String(Date.now()),
      signature: randomBytes(32).toString('base64'),
    });
  };

  const query = (url: URL, response: http.ServerResponse, version: string) => {
    const soqlText = url.searchParams.get('q') ?? '';
    fake.queries.push(soqlText);
    const soql = parseSoql(soqlText);
    if (!soql)
      return send(response, 400, sfError(`unexpected token: '${soqlText.slice(0, 20)}'`, 'MALFORMED_QUERY'));
    const all = fake.objects.get(soql.object);
    if (!all)
      return send(response, 400, sfError(`sObject type '${soql.object}' is not supported.`, 'INVALID_TYPE'));
    const since = soql.since ? Date.parse(soql.since) : null;
    const records = all
      .filter((r) => since === null || Date.parse(String(r.SystemModstamp)) >= since)
      .sort(
        (a, b) =>
          Date.parse(String(a.SystemModstamp ?? 0)) - Date.parse(String(b.SystemModstamp ?? 0)) ||
          a.Id.localeCompare(b.Id),
      );
    send(response, 200, page(soql.object, records, soql.fields, version, 0));
  };

  const more = async (locatorAndOffset: string, response: http.ServerResponse, version: string) => {
    if (fake.pageDelayMs) await new Promise((resolve) => setTimeout(resolve, fake.pageDelayMs));
    const [locator, offset] = locatorAndOffset.split('-');
    const held = locators.get(locator);
    const fields = locators.get(`${locator}:fields`)?.records as unknown as string[] | undefined;
    if (!held || !fields)
      return send(response, 400, sfError('invalid query locator', 'INVALID_QUERY_LOCATOR'));
    send(response, 200, page(held.object, held.records, fields, version, Number(offset)));
  };

  const upsert = async (
    request: http.IncomingMessage,
    response: http.ServerResponse,
    object: string,
    field: string,
  ) => {
    const body = JSON.parse(await bodyOf(request)) as { records: Array<Record<string, unknown>> };
    if (body.records.length > 200)
      return send(response, 400, sfError('Maximum number of records exceeded: 200', 'EXCEEDED_ID_LIMIT'));
    const stored = fake.objects.get(object) ?? [];
    fake.objects.set(object, stored);
    const results = body.records.map((record) => {
      const { attributes: _a, ...fields } = record;
      const existing = stored.find((r) => r[field] === fields[field]);
      if (existing) {
        Object.assign(existing, fields);
        return { id: existing.Id, success: true, errors: [], created: false };
      }
      const created = { Id: salesforceId('a01'), ...fields };
      stored.push(created);
      return { id: created.Id, success: true, errors: [], created: true };
    });
    send(response, 200, results);
  };

  const server = http.createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', base);
    if (request.method === 'POST' && url.pathname === '/services/oauth2/token')
      return token(request, response);
    fake.calls.push(`${request.method} ${url.pathname}`);
    const failure = fake.failNext.shift();
    if (failure) {
      response.writeHead(failure.status, {
        'content-type': 'application/json;charset=UTF-8',
        ...(failure.retryAfter && { 'retry-after': failure.retryAfter }),
      });
      return response.end(
        JSON.stringify(
          failure.status === 503
            ? sfError('Server is unavailable', 'SERVER_UNAVAILABLE')
            : sfError(
                `status ${failure.status}`,
                failure.status === 429 ? 'REQUEST_LIMIT_EXCEEDED' : 'UNKNOWN_EXCEPTION',
              ),
        ),
      );
    }
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (fake.expireNextCalls > 0) {
      fake.expireNextCalls -= 1;
      tokens.clear();
      return send(response, 401, sfError('Session expired or invalid', 'INVALID_SESSION_ID'));
    }
    if (!bearer || !tokens.has(bearer))
      return send(response, 401, sfError('Session expired or invalid', 'INVALID_SESSION_ID'));
    const route = /^\/services\/data\/v(\d+\.\d)\/(.*)$/.exec(url.pathname);
    if (!route) return send(response, 404, sfError('The requested resource does not exist', 'NOT_FOUND'));
    const [, version, rest] = route;
    if (request.method === 'GET' && rest === 'query') return query(url, response, version);
    const queryMore = /^query\/(.+)$/.exec(rest);
    if (request.method === 'GET' && queryMore) return more(queryMore[1], response, version);
    const composite = /^composite\/sobjects\/(\w+)\/(\w+)$/.exec(rest);
    if (request.method === 'PATCH' && composite) return upsert(request, response, composite[1], composite[2]);
    send(response, 404, sfError('The requested resource does not exist', 'NOT_FOUND'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(fake, {
    url: base,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

// Contacts as Salesforce keeps them, each modified at its own time.
export function contacts(count: number, from = Date.UTC(2026, 0, 1)): SalesforceRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    Id: salesforceId('003'),
    Name: `Contact ${i}`,
    Email: `Contact.${i}@Example.com`,
    MobilePhone: `+4477009${String(i).padStart(5, '0')}`,
    Department: i % 2 ? 'Sales' : 'Service',
    SystemModstamp: new Date(from + i * 1000).toISOString().replace('Z', '+0000'),
  }));
}

// An Outbound Message as Salesforce sends it: the SOAP envelope of `notifications`.
export function outboundMessage(
  notifications: Array<{ id: string; type: string; fields: Record<string, string | null> }>,
  orgId = ORG_ID,
): string {
  const items = notifications
    .map(
      (n) =>
        `<Notification><Id>${n.id}</Id><sObject xsi:type="sf:${n.type}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">${Object.entries(
          n.fields,
        )
          .map(([k, v]) => (v === null ? `<sf:${k} xsi:nil="true"/>` : `<sf:${k}>${v}</sf:${k}>`))
          .join('')}</sObject></Notification>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>${orgId}</OrganizationId>
   <ActionId>04k5g000000XyZaAAK</ActionId>
   <SessionId xsi:nil="true"/>
   <EnterpriseUrl>https://example.my.salesforce.com/services/Soap/c/62.0/${orgId.slice(0, 15)}</EnterpriseUrl>
   <PartnerUrl>https://example.my.salesforce.com/services/Soap/u/62.0/${orgId.slice(0, 15)}</PartnerUrl>
   ${items}
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>`;
}
