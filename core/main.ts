// Starts a Tessera server from the environment and stops it cleanly on SIGINT/SIGTERM.
import { ConfigError, loadConfig } from './config.ts';
import { EmbeddedPostgresError } from './db/postgres-user.ts';
import { createLogger } from './log.ts';
import { startTessera } from './runtime.ts';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`Tessera cannot start: ${error.message}\n`);
  process.exit(1);
}

const logger = createLogger(config.logLevel);
// Signals are handled from the start: one that arrives while Tessera is starting stops it once started.
const starting = startTessera(config, logger);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'Tessera stopping');
    await (await starting).stop();
    logger.info('Tessera stopped');
    process.exit(0);
  });
}
try {
  await starting;
} catch (error) {
  // A start that cannot work says why and what to do in one line.
  if (!(error instanceof EmbeddedPostgresError)) throw error;
  process.stderr.write(`Tessera cannot start: ${error.message}\n`);
  process.exit(1);
}
