// Owns the API description: the route Joi schemas become /openapi.json (OpenAPI 3.0) and the /docs page.

import type { Server } from '@hapi/hapi';
import Inert from '@hapi/inert';
import Vision from '@hapi/vision';
import HapiSwagger from 'hapi-swagger';

export async function registerOpenApi(server: Server, version: string): Promise<void> {
  await server.register([
    Inert,
    Vision,
    {
      plugin: HapiSwagger,
      options: {
        // 3.0, not 3.1: Salesforce External Services import only OpenAPI 2.0 and 3.0.
        OAS: 'v3.0',
        info: {
          title: 'Tessera API',
          version,
          description:
            'Points ledger, campaigns, catalog, webhooks and live feed of the Tessera rewards platform.',
        },
        jsonPath: '/openapi.json',
        documentationPath: '/docs',
        securityDefinitions: {
          bearer: { type: 'http', scheme: 'bearer', description: 'A Tessera API key (tsk_...)' },
        },
        security: [{ bearer: [] }],
        grouping: 'tags',
        tags: [
          { name: 'api-keys', description: 'API keys and roles' },
          { name: 'members', description: 'Reward recipients' },
          { name: 'ledger', description: 'Points: credits, reservations, debits, reversals, balances' },
          { name: 'events', description: 'The outbox of domain events' },
          { name: 'audit', description: 'The audit trail' },
        ],
      },
    },
  ]);
}
