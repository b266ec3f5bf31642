// Owns what the framework knows of Salesforce as data: its auth modes, paging and limits.
import type { Description } from '../framework/connector.ts';

export const description: Description = {
  title: 'Salesforce',
  auth: ['oauth2_client_credentials', 'oauth2_jwt_bearer'],
  paging: 'locator',
  // Composite sObjects take 200 records a call; a query page holds up to 2,000. Salesforce answers
  // 503 (and REQUEST_LIMIT_EXCEEDED) when an org is over its limits; a Retry-After is waited up to a minute.
  limits: { recordsPerCall: 200, retries: 4, maxRetryAfterMs: 60_000 },
  writeBackTypes: ['issuance.fulfilled', 'issuance.failed'],
};
