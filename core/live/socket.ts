// Owns the websocket endpoint /v1/live on the API's listener: the handshake's credentials (an API key in
// the Authorization header, or a live token in `?token=`), the connections of this process, keep-alive
// pings, and their hand-over of events from the hub.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Server } from '@hapi/hapi';
import { type WebSocket, WebSocketServer } from 'ws';
import { bearerKey } from '../http/auth.ts';
import { revokedKeys, scopeForKey } from '../tenancy/key-lookup.ts';
import { Audience } from './audience.ts';
import { CHANNEL_NAMES, type LiveEvent } from './channels.ts';
import { LiveConnection, type Principal } from './connection.ts';
import { startHub } from './hub.ts';
import { CLOSE } from './protocol.ts';
import { checkToken } from './tokens.ts';

export const LIVE_PATH = '/v1/live';

async function principalOf(server: Server, request: IncomingMessage): Promise<Principal | string> {
  const token = new URL(request.url ?? '/', 'http://tessera').searchParams.get('token');
  if (token) {
    const checked = await checkToken(server.app.db, token);
    if (!checked.ok) return checked.reason;
    const { tenantId, keyId, partnerId, channels, memberRef, campaignId } = checked.grant;
    if ((await revokedKeys(server.app.db, [keyId])).has(keyId)) return 'key_revoked';
    return {
      tenantId,
      keyId,
      partnerId,
      channels,
      memberRef,
      campaignId,
      role: partnerId ? 'partner' : 'viewer',
    };
  }
  const key = bearerKey(request.headers.authorization);
  if (!key) return 'credentials_missing';
  const scope = await scopeForKey(server.app, key);
  if (!scope) return 'key_invalid';
  const { tenantId, keyId, role, partnerId } = scope;
  return { tenantId, keyId, role, partnerId, channels: CHANNEL_NAMES, memberRef: null, campaignId: null };
}

export function attachLiveFeed(server: Server) {
  const { db, config, logger } = server.app;
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const connections = new Map<WebSocket, LiveConnection>();
  const audience = new Audience<LiveConnection>();
  const revoke = (keyIds: Set<string>) => {
    for (const connection of connections.values()) if (keyIds.has(connection.keyId)) connection.revoke();
  };
  // A revocation is a committed event that every process reads: it ends that key's sockets everywhere.
  const offer = (events: LiveEvent[]) => {
    const revoked = events.filter((live) => live.event.type === 'api_key.revoked');
    if (revoked.length) revoke(new Set(revoked.map((live) => String(live.event.data.keyId))));
    // Each connection gets the events it may reach as one batch, in commit order.
    const batches = new Map<LiveConnection, LiveEvent[]>();
    for (const live of events)
      for (const connection of audience.candidates(live)) {
        const batch = batches.get(connection);
        if (batch) batch.push(live);
        else batches.set(connection, [live]);
      }
    for (const [connection, batch] of batches) connection.offer(batch);
  };
  // And a periodic check, for a revocation whose event this process missed while it was away.
  const recheckKeys = async () => {
    const ids = [...new Set([...connections.values()].map((connection) => connection.keyId))];
    revoke(await revokedKeys(db, ids));
  };

  const accept = async (ws: WebSocket, request: IncomingMessage, socket: Duplex) => {
    // What the client sends while its credentials are checked is kept, not lost.
    const early: string[] = [];
    const keep = (data: Buffer) => early.push(data.toString());
    ws.on('message', keep);
    const principal = await principalOf(server, request).catch(() => 'credentials_unverifiable');
    ws.off('message', keep);
    // When the credentials could not be checked (the database is out), the client should come back.
    if (principal === 'credentials_unverifiable') return ws.close(CLOSE.tryAgainLater, 'try_again_later');
    if (typeof principal === 'string') return ws.close(CLOSE.unauthorized, principal);
    const connection = new LiveConnection(ws, socket, principal, {
      db,
      bufferLimit: config.liveBufferBytes,
      filing: audience,
    });
    for (const text of early) connection.receive(text);
    connections.set(ws, connection);
    ws.on('pong', () => {
      connection.alive = true;
    });
    const forget = () => {
      connections.delete(ws);
      audience.remove(connection);
    };
    ws.on('close', forget);
    ws.on('error', forget);
  };

  server.listener.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(request.url ?? '/', 'http://tessera').pathname !== LIVE_PATH) {
      socket.destroy();
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => void accept(ws, request, socket));
  });

  let pings: NodeJS.Timeout | undefined;
  const startFeed = async () => {
    const hub = await startHub(db, logger, offer);
    // A client that missed a ping's pong since the last one is gone: its socket is closed.
    pings = setInterval(() => {
      recheckKeys().catch((error) => logger.warn({ err: error }, 'live key check failed'));
      for (const [ws, connection] of connections) {
        if (!connection.alive) {
          ws.terminate();
          continue;
        }
        connection.alive = false;
        ws.ping();
      }
    }, config.livePingSeconds * 1000);
    return async () => {
      clearInterval(pings);
      await hub.stop();
    };
  };
  server.app.jobs.service({ name: 'live-feed', role: 'api', start: startFeed });
  server.ext('onPreStop', () => {
    for (const ws of sockets.clients) ws.close(CLOSE.goingAway, 'server_stopping');
  });
}
