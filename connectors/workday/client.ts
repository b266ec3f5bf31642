// Owns calls to Workday: a custom report's JSON (Basic), and the REST workers API with an access token
// from the refresh-token grant; a refresh token Workday rotates is handed back to be stored.
import type { Got } from 'got';
import { ConnectorError, type Opened } from '../framework/connector.ts';
import type { WorkdayConfig, WorkdayCredentials } from './config.ts';

export type WorkdayConnection = Opened<WorkdayConfig, WorkdayCredentials>;
export type Worker = Record<string, unknown>;

const segment = encodeURIComponent;

function failure(vendor: string, status: number, body: string): ConnectorError {
  let message = body.slice(0, 300);
  try {
    const parsed = JSON.parse(body) as { error?: string; error_description?: string; errors?: unknown };
    message = parsed.error_description ?? parsed.error ?? message;
  } catch {}
  if (status === 401 || status === 403)
    return new ConnectorError('auth_failed', `${vendor} refused the credentials (${status}): ${message}`);
  if (status >= 500 || status === 429)
    return new ConnectorError('vendor_unavailable', `${vendor} answered ${status}`);
  return new ConnectorError('invalid_request', `${vendor} answered ${status}: ${message}`);
}

// A custom report's rows: Report_Entry, keyed by the report's column aliases.
export async function reportRows(connection: WorkdayConnection, http: Got): Promise<Worker[]> {
  const { config, credentials } = connection;
  if (!credentials?.username)
    throw new ConnectorError('credentials_missing', 'RaaS needs a username and password');
  const { owner, name } = config.report as { owner: string; name: string };
  const url = new URL(
    `/ccx/service/customreport2/${segment(config.tenant)}/${segment(owner)}/${segment(name)}?format=json`,
    config.baseUrl,
  );
  const answer = await http.get(url, {
    headers: {
      authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`,
      accept: 'application/json',
    },
  });
  if (answer.statusCode !== 200) throw failure('Workday', answer.statusCode, answer.body);
  return (JSON.parse(answer.body) as { Report_Entry?: Worker[] }).Report_Entry ?? [];
}

export interface RestSession {
  accessToken: string;
  // Set when Workday answered a new refresh token: the connection's credentials to store.
  rotated: WorkdayCredentials | null;
}

export async function restSession(connection: WorkdayConnection, http: Got): Promise<RestSession> {
  const { config, credentials } = connection;
  if (!credentials?.refreshToken)
    throw new ConnectorError('credentials_missing', 'REST needs clientId, clientSecret and refreshToken');
  const answer = await http.post(new URL(`/ccx/oauth2/${segment(config.tenant)}/token`, config.baseUrl), {
    headers: {
      authorization: `Basic ${Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString('base64')}`,
    },
    form: { grant_type: 'refresh_token', refresh_token: credentials.refreshToken },
  });
  // The grant answers 400 invalid_grant for a refresh token it no longer takes: a failed login too.
  if (answer.statusCode === 400) throw failure('Workday', 401, answer.body);
  if (answer.statusCode !== 200) throw failure('Workday', answer.statusCode, answer.body);
  const token = JSON.parse(answer.body) as { access_token: string; refresh_token?: string };
  const rotated =
    token.refresh_token && token.refresh_token !== credentials.refreshToken
      ? { ...credentials, refreshToken: token.refresh_token }
      : null;
  return { accessToken: token.access_token, rotated };
}

export const PAGE = 100;

export async function workersPage(
  connection: WorkdayConnection,
  http: Got,
  session: RestSession,
  offset: number,
): Promise<{ total: number; data: Worker[] }> {
  const { config } = connection;
  const url = new URL(
    `/ccx/api/v1/${segment(config.tenant)}/workers?limit=${PAGE}&offset=${offset}`,
    config.baseUrl,
  );
  const answer = await http.get(url, {
    headers: { authorization: `Bearer ${session.accessToken}`, accept: 'application/json' },
  });
  if (answer.statusCode !== 200) throw failure('Workday', answer.statusCode, answer.body);
  return JSON.parse(answer.body) as { total: number; data: Worker[] };
}
