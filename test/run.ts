// Runs the whole suite: starts one Postgres and a migrated template for the run, then tap over every test
// file (in parallel, each on its own database and random ports), then stops Postgres.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { startTestPostgres } from './helpers/postgres.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// The widget tests drive Debian's chromium (never a downloaded browser): installed here when missing.
function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  process.stdout.write("Installing Debian's chromium for the widget tests (apt-get)…\n");
  const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['apt-get', 'update', '-qq'],
    ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'chromium'],
  ]) {
    const [command, ...rest] = [...sudo, ...args];
    spawnSync(command, rest, { stdio: 'inherit', env });
  }
  if (!existsSync(CHROMIUM))
    process.stderr.write(`${CHROMIUM} is missing: the widget tests will fail. Install Debian's chromium.\n`);
}

ensureChromium();
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
