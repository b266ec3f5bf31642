// Owns the push route's dispatch: the connection named in the path, handed to its connector's
// handleInbound. An unknown or malformed id is answered like a failed verification, so ids cannot be
// probed.

import type { Logger } from 'pino';
import type { Config } from '../../core/config.ts';
import type { Database } from '../../core/db/database.ts';
import { receiveReports } from '../../core/delivery/reports.ts';
import { isUuid } from '../../core/payloads.ts';
import { type Connectors, openConnection } from './connections.ts';
import type { InboundAnswer, InboundRequest } from './connector.ts';
import { Connection } from './model.ts';
import { recordPushRun } from './runs.ts';
import { vendorHttp } from './vendor-http.ts';

const REFUSED: InboundAnswer = {
  status: 403,
  contentType: 'application/json',
  body: JSON.stringify({
    error: { code: 'push_refused', message: 'This connection does not accept the request' },
  }),
};

export async function receivePush(
  app: { db: Database; logger: Logger; config: Config },
  connectors: Connectors,
  request: Omit<InboundRequest, 'url'> & { connectionId: string; search: string },
): Promise<InboundAnswer> {
  if (!isUuid(request.connectionId)) return REFUSED;
  const row = await Connection.query(app.db).findById(request.connectionId);
  const connector = row && connectors.registry.get(row.type);
  // A paused message provider still hears how the messages it sent fared.
  if (!row || !connector?.handleInbound || (row.status !== 'active' && !connector.channel)) return REFUSED;
  const connection = openConnection(connectors, row);
  const log = app.logger.child({ connectionId: row.id, type: row.type });
  const http = vendorHttp(connector.describe.limits, app.config, log);
  return connector.handleInbound({
    connection,
    db: app.db,
    log,
    http,
    request: {
      ...request,
      url: connectors.publicUrl
        ? `${connectors.publicUrl}/webhooks/connections/${row.id}${request.search}`
        : null,
    },
    reports: (reports) => receiveReports(app.db, app.config, reports),
    recordRun: async (trx, counts, errors) => {
      await recordPushRun(trx, connection, counts, errors);
    },
  });
}
