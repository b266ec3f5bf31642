// Owns checking a connection: the connector's own check, its failure answered as {ok: false, error}.
import type { Logger } from 'pino';
import { type Connectors, openConnection } from './connections.ts';
import { ConnectorError } from './connector.ts';
import type { Connection } from './model.ts';
import { type VendorSettings, vendorHttp } from './vendor-http.ts';

export async function checkConnection(
  connectors: Connectors,
  row: Connection,
  context: { log: Logger; settings: VendorSettings },
) {
  const connector = connectors.registry.get(row.type);
  if (!connector?.check) return { ok: true };
  try {
    await connector.check({
      log: context.log,
      http: vendorHttp(connector.describe.limits, context.settings, context.log),
      connection: openConnection(connectors, row),
    });
    return { ok: true };
  } catch (error) {
    const code = error instanceof ConnectorError ? error.code : 'check_failed';
    return { ok: false, error: { code, message: (error as Error).message.slice(0, 500) } };
  }
}
