// Owns sending through a channel provider's connection for core/delivery: the connection opened (its
// credentials unsealed) once and kept for a few seconds, since every reward message needs it; the
// connector's send with the framework's HTTP client and the URL its status reports come back to.
import type { Got } from 'got';
import type { Logger } from 'pino';
import type { Database } from '../../core/db/database.ts';
import type { ChannelSender, SendResult } from '../../core/delivery/channel.ts';
import { type Connectors, openConnection } from './connections.ts';
import type { Connector, Opened } from './connector.ts';
import { Connection } from './model.ts';
import { type VendorSettings, vendorHttp } from './vendor-http.ts';

// How long an opened connection is reused: a changed credential or a paused provider takes effect
// within this.
const KEPT_MS = 5_000;

export const networkFailure = (error: unknown): SendResult => ({
  ok: false,
  transient: true,
  code: 'provider_unavailable',
  reason: (error as Error).message.slice(0, 300),
});

interface Kept {
  connector: Connector;
  connection: Opened;
  active: boolean;
  until: number;
}

export function channelSender(
  app: { db: Database; logger: Logger; config: VendorSettings },
  connectors: Connectors,
): ChannelSender {
  const kept = new Map<string, Promise<Kept | null>>();
  const clients = new Map<string, Got>();
  const clientOf = (connector: Connector) => {
    let client = clients.get(connector.type);
    if (!client) {
      client = vendorHttp(connector.describe.limits, app.config, app.logger.child({ type: connector.type }));
      clients.set(connector.type, client);
    }
    return client;
  };
  const load = async (id: string): Promise<Kept | null> => {
    const row = await Connection.query(app.db).findById(id);
    const connector = row && connectors.registry.get(row.type);
    if (!row || !connector?.channel) return null;
    const connection = openConnection(connectors, row);
    return { connector, connection, active: row.status === 'active', until: Date.now() + KEPT_MS };
  };
  const opened = async (id: string) => {
    const hit = kept.get(id);
    const entry = hit && (await hit);
    if (entry && entry.until > Date.now()) return entry;
    const loading = load(id);
    kept.set(id, loading);
    loading.catch(() => kept.delete(id));
    return loading;
  };
  return async (connectionId, message) => {
    const entry = await opened(connectionId);
    if (!entry?.active || !entry.connector.channel)
      return { ok: false, transient: true, code: 'provider_unavailable', reason: 'The provider is paused' };
    return entry.connector.channel.send(
      {
        connection: entry.connection,
        log: app.logger,
        http: clientOf(entry.connector),
        callbackUrl: connectors.publicUrl
          ? `${connectors.publicUrl}/webhooks/connections/${connectionId}`
          : null,
      },
      message,
    );
  };
}
