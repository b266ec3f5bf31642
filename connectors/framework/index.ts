// Registers the connectors: the registry of connector types, the connection routes and push route, and
// the connectors' background work.
import type { Plugin } from '@hapi/hapi';
import { salesforce } from '../salesforce/index.ts';
import type { Connectors } from './connections.ts';
import { declareConnectorJobs } from './jobs.ts';
import { Registry } from './registry.ts';
import { connectionRoutes } from './routes.ts';
import { resolveSecretKey } from './secrets.ts';

export const connectorTypes = (): Registry => {
  const registry = new Registry();
  registry.add(salesforce);
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
    server.route(connectionRoutes(state, config.inboundMaxBytes));
    declareConnectorJobs(server, state);
  },
};
