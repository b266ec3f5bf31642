// Owns checking a connection: the connector's own check, its failure answered as {ok: false, error}, and
// a credential the vendor rotated during the check stored, sealed, so that the check never loses it.
import type { Logger } from 'pino';
import type { Database } from '../../core/db/database.ts';
import { type Connectors, openConnection } from './connections.ts';
import { ConnectorError } from './connector.ts';
import { Connection } from './model.ts';
import { seal } from './secrets.ts';
import { type VendorSettings, vendorHttp } from './vendor-http.ts';

export async function checkConnection(
  connectors: Connectors,
  row: Connection,
  context: { db: Database; log: Logger; settings: VendorSettings },
) {
  const connector = connectors.registry.get(row.type);
  if (!connector?.check) return { ok: true };
  try {
    const checked = await connector.check({
      log: context.log,
      http: vendorHttp(connector.describe.limits, context.settings, context.log),
      connection: openConnection(connectors, row),
    });
    if (checked?.credentials)
      await Connection.query(context.db)
        .findById(row.id)
        .patch({
          credentials: seal(connectors.secretKey, checked.credentials),
          credentialsUpdatedAt: new Date(),
        });
    return { ok: true };
  } catch (error) {
    const code = error instanceof ConnectorError ? error.code : 'check_failed';
    return { ok: false, error: { code, message: (error as Error).message.slice(0, 500) } };
  }
}
