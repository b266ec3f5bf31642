// Runs the whole suite: starts one Postgres and a migrated template for the run, then tap over every test
// file (in parallel, each on its own database and random ports), then stops Postgres.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startTestPostgres } from './helpers/postgres.ts';

const postgres = await startTestPostgres();
const tap = spawn(path.resolve('node_modules/.bin/tap'), process.argv.slice(2), {
  stdio: 'inherit',
  env: {
    ...process.env,
    TAP_TYPE_STRIP_ONLY: '1',
    TESSERA_TEST_PG: postgres.adminUrl,
    TESSERA_TEST_TEMPLATE: postgres.template,
  },
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => tap.kill(signal));
const code = await new Promise<number>((resolve) => tap.on('exit', (status) => resolve(status ?? 1)));
await postgres.stop();
process.exit(code);
