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
import { description } from './description.ts';
import { receiveOutboundMessage } from './outbound-messages.ts';
import { writeBackIssuances } from './write-back.ts';

export const salesforce: Connector<SalesforceConfig, SalesforceCredentials> = {
  type: 'salesforce',
  describe: description,
  config: configSchema,
  credentials: credentialsSchema,
  check: ({ connection, http }) =>
    guarded(async () => {
      const api = await connect(connection, http);
      await api.query('SELECT Id FROM Organization LIMIT 1');
    }),
  sync: (ctx) =>
    guarded(async () => {
      if (ctx.connection.config.contacts) await syncContacts(ctx);
    }),
  handleInbound: receiveOutboundMessage,
  writeBack: (ctx, events) => guarded(() => writeBackIssuances(ctx, events)),
};
