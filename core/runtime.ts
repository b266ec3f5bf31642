// Owns the lifecycle of one Tessera process: database → migrations → bootstrap → listen → schedules, and
// the orderly stop in reverse.
import type { Server } from '@hapi/hapi';
import type { PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import { startQueue } from '../webhooks/queue.ts';
import { startWebhookWorker } from '../webhooks/worker.ts';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import { openStore } from './db/store.ts';
import { purgeIdempotencyKeys } from './http/idempotency.ts';
import { sweepExpiredReservations } from './ledger/expiry.ts';
import { type Schedule, startSchedules } from './schedules/schedules.ts';
import { createServer } from './server.ts';
import { bootstrap } from './tenancy/service.ts';

export interface Tessera {
  server: Server;
  db: Database;
  url: string;
  stop: () => Promise<void>;
}

function schedulesFor(config: Config): Schedule[] {
  return [
    {
      name: 'idempotency-purge',
      cron: config.idempotencyPurgeCron,
      run: (db) => purgeIdempotencyKeys(db, config.idempotencyTtlHours),
    },
    {
      name: 'ledger-expiry',
      cron: config.ledgerSweepCron,
      concurrent: true,
      run: (db) => sweepExpiredReservations(db),
    },
  ];
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
  let queue: PgBoss | undefined;
  try {
    const generated = await bootstrap(store.db, config.adminKey);
    if (generated) announceAdminKey(generated);
    const worker = config.roles.includes('worker');
    const jobs = await startQueue(store.url, worker, config.webhookRecoverySeconds);
    queue = jobs;
    const server = await createServer({ config, db: store.db, logger, queue: jobs });
    if (config.roles.includes('api')) await server.start();
    const stopSchedules = worker ? startSchedules(store.db, logger, schedulesFor(config)) : async () => {};
    const webhookWorker = worker ? await startWebhookWorker(jobs, store.db, config, logger) : null;
    logger.info({ url: server.info.uri, roles: config.roles }, 'Tessera started');
    // Stop accepting and let in-flight requests finish, then workers, then the database; once.
    let stopped: Promise<void> | undefined;
    const stop = async () => {
      await stopListening(server, config.shutdownTimeoutMs);
      await stopSchedules();
      await webhookWorker?.stop();
      await jobs.stop({ graceful: true, timeout: config.shutdownTimeoutMs, close: true });
      await store.close();
    };
    return { server, db: store.db, url: server.info.uri, stop: () => (stopped ??= stop()) };
  } catch (error) {
    await queue?.stop({ graceful: false, close: true });
    await store.close();
    throw error;
  }
}
