// Builds the Hapi server from config and its dependencies, initialised but not listening.
import Hapi, { type Server } from '@hapi/hapi';
import type { Logger } from 'pino';
import { connectors } from '../connectors/framework/index.ts';
import pkg from '../package.json' with { type: 'json' };
import { widgets } from '../ui-widgets/plugin.ts';
import { webhooks } from '../webhooks/index.ts';
import { audit } from './audit/index.ts';
import { campaigns } from './campaigns/index.ts';
import { catalog } from './catalog/index.ts';
import { complaints } from './complaints/index.ts';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import { delivery } from './delivery/index.ts';
import { events } from './events/index.ts';
import { health } from './health/index.ts';
import { registerApiKeyAuth } from './http/auth.ts';
import { registerErrorMapping, validationFailAction } from './http/errors.ts';
import { registerIdempotency } from './http/idempotency.ts';
import { registerMetrics } from './http/metrics.ts';
import { documentErrors, registerOpenApi } from './http/openapi.ts';
import { registerRequestLog } from './http/request-log.ts';
import { intake } from './intake/index.ts';
import { issuance } from './issuance/index.ts';
import type { Jobs } from './jobs/jobs.ts';
import { ledger } from './ledger/index.ts';
import { live } from './live/index.ts';
import { marketplace } from './marketplace/index.ts';
import { members } from './members/index.ts';
import { redemptions } from './redemptions/index.ts';
import { tenancy } from './tenancy/index.ts';
import { uploads } from './uploads/index.ts';

export interface ServerDeps {
  config: Config;
  db: Database;
  logger: Logger;
  jobs: Jobs;
}

export async function createServer({ config, db, logger, jobs }: ServerDeps): Promise<Server> {
  const server = Hapi.server({
    port: config.port,
    host: config.host,
    routes: {
      validate: { failAction: validationFailAction, options: { abortEarly: false } },
      // JSON only unless a route says otherwise (file uploads do).
      payload: { maxBytes: config.maxBodyBytes, allow: 'application/json' },
    },
    router: { stripTrailingSlash: true },
    // Tessera drains connections itself on stop (core/runtime.ts): hapi's clean stop half-closes idle
    // keep-alive connections, and a request that still arrives on one is processed but never answered.
    operations: { cleanStop: false },
  });
  Object.assign(server.app, { config, db, logger, jobs });

  // onPreResponse order matters: errors take their one shape first, then idempotency stores that shape.
  registerErrorMapping(server);
  registerIdempotency(server);
  registerRequestLog(server);
  registerApiKeyAuth(server);
  registerMetrics(server);
  await registerOpenApi(server, pkg.version);
  await server.register([
    health,
    tenancy,
    members,
    ledger,
    events,
    intake,
    catalog,
    campaigns,
    issuance,
    live,
    widgets,
    audit,
    webhooks,
    connectors,
    uploads,
    complaints,
    delivery,
    redemptions,
    marketplace,
  ]);
  documentErrors(server);
  await server.initialize();
  return server;
}
