// Owns the Salesforce connector: its description, schemas and hooks. Flows call Tessera's API directly
// (GET /openapi/salesforce.json); Outbound Messages arrive at the connection's push URL; contacts and
// leads sync into members; fulfilled and failed issuances are written back onto a configured object.
import type { Connector } from '../framework/connector.ts';
import { connect, guarded } from './client.ts';
import {
  configSchema,
  credentialsSchema,
  type SalesforceConfig,
  type SalesforceCredentials,
} from './config.ts';
import { syncContacts } from './contacts.ts';
import { receiveOutboundMessage } from './outbound-messages.ts';
import { writeBackIssuances } from './write-back.ts';

export const salesforce: Connector<SalesforceConfig, SalesforceCredentials> = {
  type: 'salesforce',
  describe: {
    title: 'Salesforce',
    auth: ['oauth2_client_credentials', 'oauth2_jwt_bearer'],
    paging: 'locator',
    // Composite sObjects take 200 records a call; a query page holds up to 2,000.
    limits: { recordsPerCall: 200 },
    writeBackTypes: ['issuance.fulfilled', 'issuance.failed'],
  },
  config: configSchema,
  credentials: credentialsSchema,
  check: ({ connection }) =>
    guarded(async () => {
      const api = await connect(connection);
      await api.query('SELECT Id FROM Organization LIMIT 1');
    }),
  sync: (ctx) =>
    guarded(async () => {
      if (ctx.connection.config.contacts) await syncContacts(ctx);
    }),
  handleInbound: async ({ connection, db, log, request }) =>
    receiveOutboundMessage(connection, db, log, request.body),
  writeBack: (ctx, events) => guarded(() => writeBackIssuances(ctx.connection, events)),
};
