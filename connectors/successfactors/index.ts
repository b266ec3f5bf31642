// Owns the SAP SuccessFactors connector: Users (OData v2) synced into members, inactive users
// deactivating theirs, with the SAML bearer grant or Basic.
import type { Connector } from '../framework/connector.ts';
import { connect } from './client.ts';
import {
  configSchema,
  credentialsSchema,
  type SuccessFactorsConfig,
  type SuccessFactorsCredentials,
} from './config.ts';
import { firstPageUrl, syncUsers } from './users.ts';

export const successFactors: Connector<SuccessFactorsConfig, SuccessFactorsCredentials> = {
  type: 'successfactors',
  describe: {
    title: 'SAP SuccessFactors',
    auth: ['oauth2_saml_bearer', 'basic'],
    paging: 'next_link',
    // Server-side pages of up to 1,000 users; SAP throttles with 429 and Retry-After.
    limits: { retries: 4, maxRetryAfterMs: 60_000 },
  },
  config: configSchema,
  credentials: credentialsSchema,
  check: async ({ connection, http }) => {
    const client = await connect(connection, http);
    await client.get(firstPageUrl(connection.config, new Date().toISOString()));
  },
  sync: syncUsers,
};
