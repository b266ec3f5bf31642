// Owns the Workday connector: workers from a custom report (RaaS) or the REST API synced into members,
// leavers (by a configured status column) deactivating theirs.
import type { Connector } from '../framework/connector.ts';
import { reportRows, restSession, workersPage } from './client.ts';
import { configSchema, credentialsSchema, type WorkdayConfig, type WorkdayCredentials } from './config.ts';
import { syncWorkers } from './workers.ts';

export const workday: Connector<WorkdayConfig, WorkdayCredentials> = {
  type: 'workday',
  describe: {
    title: 'Workday',
    auth: ['basic', 'oauth2_refresh_token'],
    paging: 'none',
    limits: { retries: 4, maxRetryAfterMs: 60_000 },
  },
  config: configSchema,
  credentials: credentialsSchema,
  // REST: a token and one page; a refresh token Workday rotated on the way is handed back to be stored.
  check: async ({ connection, http }) => {
    if (connection.config.source === 'raas') {
      await reportRows(connection, http);
      return;
    }
    const session = await restSession(connection, http);
    await workersPage(connection, http, session, 0);
    return session.rotated ? { credentials: session.rotated } : undefined;
  },
  sync: syncWorkers,
};
