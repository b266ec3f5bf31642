// Owns the email channel's pooled SMTP transports: one per connection and settings, so that a burst of
// reward messages shares a few logged-in (and, in production, TLS) connections instead of a handshake
// each. A pool idle for 30 s is closed; a changed config or credential makes a new one; closeAll ends
// them when the server stops.
import { createHash } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Opened } from '../framework/connector.ts';

const IDLE_MS = 30_000;
// Connections one pool opens at most: the provider's own limit is usually a few.
const MAX_CONNECTIONS = 5;

export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  timeoutMs: number;
}

export const transportOptions = (connection: Opened<SmtpSettings, { user: string; pass: string }>) => {
  const { host, port, secure, timeoutMs } = connection.config;
  return {
    host,
    port,
    secure,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    ...(connection.credentials && { auth: connection.credentials }),
  };
};

const pools = new Map<string, { transport: Transporter; usedAt: number }>();
let sweeper: NodeJS.Timeout | undefined;

function sweep() {
  for (const [key, pool] of pools)
    if (Date.now() - pool.usedAt > IDLE_MS) {
      pool.transport.close();
      pools.delete(key);
    }
  if (pools.size === 0) {
    clearInterval(sweeper);
    sweeper = undefined;
  }
}

export function pooledTransport(
  connection: Opened<SmtpSettings, { user: string; pass: string }>,
): Transporter {
  const key = createHash('sha256')
    .update(JSON.stringify([connection.id, connection.config, connection.credentials]))
    .digest('hex');
  let pool = pools.get(key);
  if (!pool) {
    pool = {
      transport: nodemailer.createTransport({
        ...transportOptions(connection),
        pool: true,
        maxConnections: MAX_CONNECTIONS,
      }),
      usedAt: Date.now(),
    };
    pools.set(key, pool);
  }
  pool.usedAt = Date.now();
  if (!sweeper) {
    sweeper = setInterval(sweep, 5_000);
    sweeper.unref();
  }
  return pool.transport;
}

export function closeAll() {
  for (const pool of pools.values()) pool.transport.close();
  pools.clear();
  clearInterval(sweeper);
  sweeper = undefined;
}
