// Registers the connectors: the registry of connector types, the connection routes and push route, and
// the connectors' background work.
import type { Plugin } from '@hapi/hapi';
import pkg from '../../package.json' with { type: 'json' };
import { hrFile } from '../hr-file/index.ts';
import { pos } from '../pos/index.ts';
import { salesforceFlowApi } from '../salesforce/flow-api.ts';
import { salesforce } from '../salesforce/index.ts';
import { smtp } from '../smtp/index.ts';
import { successFactors } from '../successfactors/index.ts';
import { twilio } from '../twilio/index.ts';
import { whatsapp } from '../whatsapp/index.ts';
import { workday } from '../workday/index.ts';
import { channelSender } from './channel-sender.ts';
import { type Connectors, parseInbound } from './connections.ts';
import { declareConnectorJobs } from './jobs.ts';
import { Registry } from './registry.ts';
import { connectionRoutes } from './routes.ts';
import { resolveSecretKey } from './secrets.ts';

export const connectorTypes = (): Registry => {
  const registry = new Registry();
  registry.add(salesforce);
  registry.add(successFactors);
  registry.add(workday);
  registry.add(hrFile);
  registry.add(pos);
  registry.add(smtp);
  registry.add(twilio);
  registry.add(whatsapp);
  return registry;
};

export const connectors: Plugin<void> = {
  name: 'tessera-connectors',
  register: async (server) => {
    const { config } = server.app;
    const state: Connectors = {
      registry: connectorTypes(),
      secretKey: await resolveSecretKey(config),
      publicUrl: config.publicUrl,
    };
    server.route(connectionRoutes(state, config.inboundMaxBytes, config.connectionFileMaxBytes));
    server.app.inboundParser = (connectionId, body) => parseInbound(server.app.db, state, connectionId, body);
    server.app.channelSender = channelSender(server.app, state);
    server.events.on('stop', () => {
      for (const connector of state.registry.all()) connector.channel?.close?.();
    });
    // The document Salesforce External Services registers; its server is where Salesforce reaches Tessera.
    server.route({
      method: 'GET',
      path: '/openapi/salesforce.json',
      options: { auth: false, description: 'The API document for Salesforce External Services (Flows)' },
      handler: (request) =>
        salesforceFlowApi(
          config.publicUrl ?? `${request.server.info.protocol}://${request.info.host}`,
          pkg.version,
        ),
    });
    declareConnectorJobs(server, state);
  },
};
