// Owns the lifecycle of one Tessera process: database → migrations → bootstrap → background work → listen,
// and the orderly stop in reverse.
import type { Server } from '@hapi/hapi';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import { openStore } from './db/store.ts';
import { Jobs } from './jobs/jobs.ts';
import { createServer } from './server.ts';
import { bootstrap } from './tenancy/service.ts';

export interface Tessera {
  server: Server;
  db: Database;
  url: string;
  stop: () => Promise<void>;
}

// From here on every answer says `Connection: close`; closing the listener destroys the keep-alive
// connections that are idle (a request arriving on one is never read, so nothing commits without its
// answer reaching the client, who may retry it with its Idempotency-Key), and the stop waits for the
// rest to finish their request, up to the shutdown timeout.
async function stopListening(server: Server, timeoutMs: number): Promise<void> {
  server.app.stopping = true;
  const cutOff = setTimeout(() => server.listener.closeAllConnections(), timeoutMs);
  await server.stop({ timeout: timeoutMs });
  clearTimeout(cutOff);
}

function announceAdminKey(key: string): void {
  process.stdout.write(
    `\nTessera created tenant "default" and its first admin API key. It is shown this once:\n\n  ${key}\n\n` +
      'Keep it safe; create further keys with POST /v1/api-keys or `npm run tessera -- keys create`.\n\n',
  );
}

export async function startTessera(config: Config, logger: Logger): Promise<Tessera> {
  const store = await openStore(config, logger);
  const jobs = new Jobs();
  try {
    const generated = await bootstrap(store.db, config.adminKey);
    if (generated) announceAdminKey(generated);
    const server = await createServer({ config, db: store.db, logger, jobs });
    // What the plugins declared starts before the API listens: a request may enqueue at once.
    await jobs.start({
      url: store.url,
      db: store.db,
      logger,
      roles: config.roles,
      recoverySeconds: config.webhookRecoverySeconds,
      shutdownTimeoutMs: config.shutdownTimeoutMs,
    });
    if (config.roles.includes('api')) await server.start();
    logger.info({ url: server.info.uri, roles: config.roles }, 'Tessera started');
    // Stop accepting and let in-flight requests finish, then background work, then the database; once.
    let stopped: Promise<void> | undefined;
    const stop = async () => {
      await stopListening(server, config.shutdownTimeoutMs);
      await jobs.stop();
      await store.close();
    };
    return { server, db: store.db, url: server.info.uri, stop: () => (stopped ??= stop()) };
  } catch (error) {
    await jobs.stop();
    await store.close();
    throw error;
  }
}
