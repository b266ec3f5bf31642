import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { runCli } from '../helpers/process.ts';
import { startTestTessera } from '../helpers/tessera.ts';

const app = await startTestTessera(t);
const env = { DATABASE_URL: app.config.databaseUrl as string };

t.test('tenants create, then keys create; the key works against the server', async (t) => {
  const tenant = await runCli(['tenants', 'create', 'acme'], env);
  t.equal(tenant.code, 0, tenant.stderr);
  t.match(tenant.stdout, /Created tenant acme \([0-9a-f-]{36}\)/);
  const duplicate = await runCli(['tenants', 'create', 'acme'], env);
  t.equal(duplicate.code, 2);
  t.match(duplicate.stderr, /exists/);

  const key = await runCli(['keys', 'create', '--tenant', 'acme', '--role', 'admin'], env);
  t.equal(key.code, 0, key.stderr);
  const acmeKey = /(tsk_\S+)/.exec(key.stdout)?.[1] as string;
  t.ok(acmeKey);
  const created = await app.api('PUT', '/v1/members/acme-1', { key: acmeKey, body: { name: 'Acme person' } });
  t.equal(created.status, 201);
  t.equal((await app.api('GET', '/v1/members/acme-1')).status, 404, 'the default tenant does not see it');

  const listed = await runCli(['tenants', 'list'], env);
  t.match(listed.stdout, /default\t.*\nacme\t/);
});

t.test('usage errors exit 2 and explain', async (t) => {
  const unknown = await runCli(['launch', 'rockets'], env);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /Usage: npm run tessera/);
  const badRole = await runCli(['keys', 'create', '--tenant', 'acme', '--role', 'emperor'], env);
  t.equal(badRole.code, 2);
  const noTenant = await runCli(['keys', 'create', '--tenant', 'ghost', '--role', 'viewer'], env);
  t.equal(noTenant.code, 2);
  t.match(noTenant.stderr, /Tenant ghost not found/);
});

t.test('the CLI names its database and never creates an empty one by mistake', async (t) => {
  const named = await runCli(['tenants', 'list'], env);
  t.match(named.stderr, /Using the database of DATABASE_URL \(127\.0\.0\.1:\d+\)/);

  const empty = await mkdtemp(path.join(os.tmpdir(), 'tessera-cli-'));
  t.teardown(() => rm(empty, { recursive: true, force: true }));
  for (const [how, args, extra] of [
    ['TESSERA_DATA_DIR', ['tenants', 'list'], { TESSERA_DATA_DIR: empty }],
    ['--data-dir', ['--data-dir', empty, 'tenants', 'list'], {}],
    ['--data-dir', ['tenants', 'list', `--data-dir=${empty}`], {}],
  ] as const) {
    const refused = await runCli([...args], { ...extra });
    t.equal(refused.code, 2, how);
    t.match(refused.stderr, `No Tessera database in ${empty} (${how})`);
    t.match(refused.stderr, /Start the server once/);
  }
  t.same(await readdir(empty), [], 'nothing was created there');

  // With no setting at all: the default ./.tessera of the folder the command runs in.
  const byDefault = await runCli(['tenants', 'list'], {}, empty);
  t.equal(byDefault.code, 2);
  t.match(
    byDefault.stderr,
    `No Tessera database in ${path.join(empty, '.tessera')} (the default; --data-dir or TESSERA_DATA_DIR chooses another)`,
  );
  t.same(await readdir(empty), [], 'not even the default folder was made');
});
