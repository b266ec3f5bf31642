// Owns logging in to Salesforce through jsforce: OAuth 2.0 client credentials or the JWT bearer flow
// (the assertion signed with jose), and one token refresh on an expired session before the run fails.

import type { Got } from 'got';
import { importPKCS8, SignJWT } from 'jose';
import { Connection as SalesforceApi } from 'jsforce';
import { ConnectorError, type Opened } from '../framework/connector.ts';
import type { SalesforceConfig, SalesforceCredentials } from './config.ts';
import { VendorTransport } from './transport.ts';

export type SalesforceConnection = Opened<SalesforceConfig, SalesforceCredentials>;

async function assertion(config: SalesforceConfig, credentials: SalesforceCredentials): Promise<string> {
  const pem = (credentials.privateKey as string).replace('BEGIN RSA PRIVATE KEY', 'BEGIN PRIVATE KEY');
  const key = await importPKCS8(pem.replace('END RSA PRIVATE KEY', 'END PRIVATE KEY'), 'RS256');
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256' })
    .setIssuer(credentials.clientId)
    .setSubject(config.username as string)
    .setAudience(config.loginUrl)
    .setExpirationTime('3m')
    .sign(key);
}

async function grant(
  config: SalesforceConfig,
  credentials: SalesforceCredentials,
): Promise<{ grant_type: string; [name: string]: string }> {
  if (config.auth === 'jwt_bearer')
    return {
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: await assertion(config, credentials),
    };
  return { grant_type: 'client_credentials' };
}

const authFailed = (error: unknown) =>
  new ConnectorError('auth_failed', `Salesforce refused the login: ${(error as Error).message}`);

// A logged-in jsforce connection whose HTTP is the framework's (timeout, Retry-After, backoff). An
// expired session is refreshed once by logging in again; a second expiry within the same connection
// fails with auth_failed rather than looping.
export async function connect(connection: SalesforceConnection, http: Got): Promise<SalesforceApi> {
  const { config, credentials } = connection;
  if (!credentials) throw new ConnectorError('credentials_missing', 'The connection has no credentials');
  let refreshes = 0;
  const oauth2 = {
    loginUrl: config.loginUrl,
    clientId: credentials.clientId,
    clientSecret: config.auth === 'client_credentials' ? credentials.clientSecret : undefined,
  };
  const api = new SalesforceApi({
    oauth2,
    version: config.apiVersion,
    refreshFn: (conn, callback) => {
      refreshes += 1;
      if (refreshes > 1) return callback(authFailed(new Error('the session expired again after a refresh')));
      grant(config, credentials)
        .then((params) => conn.oauth2.requestToken(params))
        .then((token) => {
          conn.accessToken = token.access_token;
          callback(undefined, token.access_token, token);
        })
        .catch((error) => callback(authFailed(error)));
    },
  });
  const transport = new VendorTransport(http);
  api._transport = transport;
  api.oauth2._transport = transport;
  try {
    await api.authorize(await grant(config, credentials));
  } catch (error) {
    throw authFailed(error);
  }
  return api;
}

// Salesforce ids: 15 case-sensitive characters, or 18 with a checksum; the first 15 name the record.
export const sameId = (a: string, b: string) => a.slice(0, 15) === b.slice(0, 15);

// jsforce's errors in the connector's codes: a session it could not refresh is auth_failed; Salesforce's
// own error codes (MALFORMED_QUERY, INVALID_TYPE, …) pass through in lower case.
export function asConnectorError(error: unknown): unknown {
  if (error instanceof ConnectorError) return error;
  const failure = error as Error & { errorCode?: string };
  if (
    /Unable to refresh session|INVALID_SESSION_ID/.test(
      `${failure.message} ${failure.errorCode ?? failure.name}`,
    )
  )
    return new ConnectorError('auth_failed', failure.message);
  const code = failure.errorCode ?? (/^[A-Z_]+$/.test(failure.name) ? failure.name : undefined);
  return code ? new ConnectorError(code.toLowerCase(), failure.message) : error;
}

export async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asConnectorError(error);
  }
}
