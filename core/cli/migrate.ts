// Applies pending migrations to Tessera's database (the server also does this at start).
import { loadConfig } from '../config.ts';
import { openStore } from '../db/store.ts';
import { createLogger } from '../log.ts';

const config = loadConfig();
const store = await openStore(config, createLogger(config.logLevel));
await store.close();
process.stdout.write('Tessera database is up to date\n');
