// Owns calls to a SuccessFactors tenant's OData v2 API: the login (an access token from the SAML bearer
// grant, or Basic), one new token when a page answers 401, SAP's error bodies as connector errors, and
// the rule that a `__next` link is followed only on the tenant's own API server.
import type { Got } from 'got';
import { ConnectorError, type Opened } from '../framework/connector.ts';
import { samlAssertion } from './assertion.ts';
import type { SuccessFactorsConfig, SuccessFactorsCredentials } from './config.ts';

export type SuccessFactorsConnection = Opened<SuccessFactorsConfig, SuccessFactorsCredentials>;

export interface ODataPage {
  results: Array<Record<string, unknown>>;
  next: string | null;
}

// SAP's OData error body: {"error": {"code", "message": {"lang", "value"}}}.
function vendorMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: string; message?: { value?: string } } };
    return parsed.error?.message?.value ?? parsed.error?.code ?? body.slice(0, 300);
  } catch {
    return body.slice(0, 300);
  }
}

async function accessToken(connection: SuccessFactorsConnection, http: Got): Promise<string> {
  const { config, credentials } = connection;
  const tokenUrl = new URL('/oauth/token', config.apiServer).toString();
  const assertion = samlAssertion({
    clientId: credentials?.clientId as string,
    userId: config.userId as string,
    tokenUrl,
    privateKey: credentials?.privateKey as string,
  });
  const answer = await http.post(tokenUrl, {
    form: {
      company_id: config.companyId,
      client_id: credentials?.clientId,
      grant_type: 'urn:ietf:params:oauth:grant-type:saml2-bearer',
      assertion: Buffer.from(assertion).toString('base64'),
    },
  });
  if (answer.statusCode !== 200)
    throw new ConnectorError(
      'auth_failed',
      `SuccessFactors refused the token request (${answer.statusCode}): ${vendorMessage(answer.body)}`,
    );
  return (JSON.parse(answer.body) as { access_token: string }).access_token;
}

export interface ODataClient {
  get: (url: string) => Promise<ODataPage>;
}

export async function connect(connection: SuccessFactorsConnection, http: Got): Promise<ODataClient> {
  const { config, credentials } = connection;
  if (!credentials) throw new ConnectorError('credentials_missing', 'The connection has no credentials');
  const basic = config.auth === 'basic';
  if (basic ? !credentials.username : !credentials.privateKey)
    throw new ConnectorError(
      'credentials_missing',
      basic ? 'Basic needs a username and password' : 'The SAML bearer grant needs clientId and privateKey',
    );
  const login = async () =>
    basic
      ? `Basic ${Buffer.from(`${credentials.username}@${config.companyId}:${credentials.password}`).toString('base64')}`
      : `Bearer ${await accessToken(connection, http)}`;
  let authorization = await login();
  const origin = new URL(config.apiServer).origin;

  const get = async (url: string, renewed = false): Promise<ODataPage> => {
    // A link elsewhere would carry the token there.
    if (new URL(url).origin !== origin)
      throw new ConnectorError('invalid_next_link', `SuccessFactors sent a link off ${origin}`);
    const answer = await http.get(url, { headers: { authorization, accept: 'application/json' } });
    if (answer.statusCode === 401 && !basic && !renewed) {
      authorization = await login();
      return get(url, true);
    }
    if (answer.statusCode === 401)
      throw new ConnectorError(
        'auth_failed',
        `SuccessFactors refused the credentials: ${vendorMessage(answer.body)}`,
      );
    if (answer.statusCode >= 500 || answer.statusCode === 429)
      throw new ConnectorError('vendor_unavailable', `SuccessFactors answered ${answer.statusCode}`);
    if (answer.statusCode !== 200)
      throw new ConnectorError(
        answer.statusCode === 403 ? 'forbidden' : 'invalid_query',
        `SuccessFactors answered ${answer.statusCode}: ${vendorMessage(answer.body)}`,
      );
    const { d } = JSON.parse(answer.body) as { d: { results: ODataPage['results']; __next?: string } };
    return { results: d.results, next: d.__next ?? null };
  };
  return { get: (url) => get(url) };
}
