// The quick start as root from a checkout the postgres system user cannot enter (under /root, or a
// folder made by mktemp -d): the embedded PostgreSQL still starts, and the log says where it runs.
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { relocatedDataDir } from '../../core/db/postgres-user.ts';
import { spawnServer } from '../helpers/process.ts';
import { apiClient } from '../helpers/tessera.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

t.test(
  'npm start works as root from a clone in a 0700 folder',
  { skip: process.getuid?.() !== 0 && 'runs only as root' },
  async (t) => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'tessera-root-'));
    await chmod(folder, 0o700);
    const checkout = path.join(folder, 'tessera');
    const dataDir = path.join(checkout, '.tessera');
    t.teardown(async () => {
      await rm(folder, { recursive: true, force: true });
      await rm(relocatedDataDir(dataDir), { recursive: true, force: true });
    });
    execFileSync('git', ['clone', '--quiet', ROOT, checkout]);
    // The clone's own node_modules, inside the 0700 folder, as `npm ci` would leave them (hard links: fast).
    execFileSync('cp', ['-al', path.join(ROOT, 'node_modules'), path.join(checkout, 'node_modules')]);
    // The working tree as it is now, so that the change under test is what starts.
    const sources = ['core', 'connectors', 'webhooks', 'ui-widgets', 'migrations', 'package.json'];
    execFileSync('cp', ['-r', ...sources.map((source) => path.join(ROOT, source)), checkout]);

    const server = await spawnServer({}, checkout);
    t.teardown(() => server.stop('SIGKILL'));
    const key = /\n {2}(tsk_\S+)\n/.exec(server.output())?.[1];
    t.ok(key, 'started, and printed its first admin key');
    t.match(
      server.output(),
      /PostgreSQL keeps its data in \/var\/lib\/tessera\/data\/\w+\/pg/,
      'the log says where',
    );
    const api = apiClient(server.url, key as string);
    t.equal((await api('PUT', '/v1/members/root-1', { body: { name: 'Root' } })).status, 201);
    t.equal(await server.stop('SIGTERM'), 0, 'clean exit');
  },
);
