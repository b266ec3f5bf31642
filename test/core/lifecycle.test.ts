import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import t from 'tap';
import { openDatabase } from '../../core/db/database.ts';
import { spawnServer } from '../helpers/process.ts';
import { apiClient, freshDatabaseUrl, startTestTessera } from '../helpers/tessera.ts';

t.test(
  'embedded Postgres: first start prints a key, SIGTERM finishes in-flight work, a restart keeps the data',
  async (t) => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tessera-lifecycle-'));
    t.teardown(() => rm(dataDir, { recursive: true, force: true }));
    const env = { TESSERA_DATA_DIR: dataDir };

    const first = await spawnServer(env);
    t.teardown(() => first.stop('SIGKILL'));
    const adminKey = /\n {2}(tsk_\S+)\n/.exec(first.output())?.[1];
    t.ok(adminKey, 'the generated admin key is printed once');
    const api = apiClient(first.url, adminKey as string);
    t.equal((await api('GET', '/health/ready', { key: null })).status, 200);
    t.equal((await api('PUT', '/v1/members/keeper', { body: { name: 'Kept' } })).status, 201);

    // Hold the member's row so that the next update is in flight when the signal arrives.
    const pidFile = await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8');
    const secret = (await readFile(path.join(dataDir, 'pg-password'), 'utf8')).trim();
    const client = new pg.Client({
      host: '127.0.0.1',
      port: Number(pidFile.split('\n')[3]),
      user: 'tessera',
      password: secret,
      database: 'tessera',
    });
    await client.connect();
    await client.query('BEGIN');
    await client.query(`SELECT * FROM members WHERE external_ref = 'keeper' FOR UPDATE`);
    const inFlight = api('PUT', '/v1/members/keeper', { body: { name: 'Kept through shutdown' } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    first.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    t.equal(first.child.exitCode, null, 'the server waits for the in-flight request');
    await client.query('COMMIT');
    await client.end();
    t.equal((await inFlight).status, 200, 'the in-flight request completed');
    t.equal(await first.stop(), 0, 'clean exit');
    t.notOk(existsSync(path.join(dataDir, 'pg', 'postmaster.pid')), 'the embedded Postgres stopped');

    const second = await spawnServer(env);
    t.teardown(() => second.stop('SIGKILL'));
    t.notMatch(second.output(), /tsk_/, 'no new key on a second start');
    const again = apiClient(second.url, adminKey as string);
    const member = await again('GET', '/v1/members/keeper');
    t.equal(member.status, 200, 'the old key still works');
    t.equal(member.body.name, 'Kept through shutdown');
    t.equal(await second.stop('SIGINT'), 0);

    // A crash left the lock behind, and its pid now belongs to another live process.
    const squatter = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
    t.teardown(() => squatter.kill('SIGKILL'));
    await writeFile(
      path.join(dataDir, 'pg', 'postmaster.pid'),
      pidFile.replace(/^\d+/, String(squatter.pid)),
    );
    const third = await spawnServer(env);
    t.teardown(() => third.stop('SIGKILL'));
    t.equal(
      (await apiClient(third.url, adminKey as string)('GET', '/v1/members/keeper')).status,
      200,
      'started anyway',
    );
    t.equal(await third.stop('SIGINT'), 0);
  },
);

t.test('a bad setting stops the start with a message naming it', async (t) => {
  await t.rejects(spawnServer({ PORT: 'eighty' }), /PORT is invalid/);
});

t.test('with DATABASE_URL no embedded Postgres is started', async (t) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tessera-external-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const app = await startTestTessera(t, { TESSERA_DATA_DIR: dataDir });
  t.equal((await app.api('GET', '/health/ready', { key: null })).status, 200);
  t.notOk(existsSync(path.join(dataDir, 'pg')), 'nothing under the data dir');
});

t.test('on SIGTERM every committed credit reaches its client: none is reset after committing', async (t) => {
  const databaseUrl = await freshDatabaseUrl(t);
  const adminKey = `tsk_test_${randomBytes(16).toString('hex')}`;
  const server = await spawnServer({ DATABASE_URL: databaseUrl, TESSERA_ADMIN_KEY: adminKey });
  t.teardown(() => server.stop('SIGKILL'));
  const api = apiClient(server.url, adminKey);
  await api('PUT', '/v1/members/drain', { body: { name: 'Drain' } });
  let acknowledged = 0;
  let failed = 0;
  let stopping = false;
  // Keep-alive clients credit in a loop until the server is gone.
  const client = async () => {
    while (true) {
      try {
        const response = await api('POST', '/v1/ledger/credits', {
          body: { memberRef: 'drain', amount: 1, source: 'admin' },
        });
        if (response.status === 201) acknowledged++;
        else failed++;
      } catch {
        if (stopping) return;
        failed++;
      }
    }
  };
  const clients = Array.from({ length: 16 }, client);
  while (acknowledged < 100) await new Promise((resolve) => setTimeout(resolve, 10));
  stopping = true;
  t.equal(await server.stop('SIGTERM'), 0, 'clean exit');
  await Promise.all(clients);
  const db = openDatabase(databaseUrl, 1);
  t.teardown(() => db.destroy());
  const stored = await db('ledgerTransfers').where({ memberRef: 'drain' }).count({ n: '*' }).first();
  t.equal(
    Number(stored?.n),
    acknowledged,
    `every one of the ${acknowledged} committed credits was acknowledged`,
  );
  t.equal(failed, 0, 'no request failed before the stop');
});
