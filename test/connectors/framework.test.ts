// The connector framework's own guarantees: the secret key (generated once for the embedded database,
// required with DATABASE_URL), sealed credentials, and the registry's checks at start.
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Joi from 'joi';
import t from 'tap';
import { Registry } from '../../connectors/framework/registry.ts';
import { open, resolveSecretKey, seal } from '../../connectors/framework/secrets.ts';
import { loadConfig } from '../../core/config.ts';
import { startTestTessera } from '../helpers/tessera.ts';

t.test('with the embedded database, a secret key is generated once into the data directory', async (t) => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'tessera-key-'));
  const config = loadConfig({ TESSERA_DATA_DIR: dataDir });
  const [first, second] = await Promise.all([resolveSecretKey(config), resolveSecretKey(config)]);
  t.equal(first?.length, 32);
  t.same(second, first, 'two processes starting at once agree on one key');
  t.same(await resolveSecretKey(config), first, 'and it is kept');
  const file = path.join(dataDir, 'secret.key');
  t.equal((await stat(file)).mode & 0o777, 0o600, 'readable by its owner only');
  t.equal((await readFile(file, 'utf8')).trim(), first?.toString('base64'));
  t.equal(await resolveSecretKey(loadConfig({ DATABASE_URL: 'postgres://u:p@db/x' })), undefined);
});

t.test('sealed credentials open only with their key and are never stored in clear', async (t) => {
  const key = Buffer.alloc(32, 1);
  const sealed = seal(key, { clientSecret: 's3cret' });
  t.notOk(sealed.includes('s3cret'));
  t.same(open(key, sealed), { clientSecret: 's3cret' });
  t.throws(() => open(Buffer.alloc(32, 2), sealed), 'another key cannot open them');
  t.not(seal(key, { a: 1 }), seal(key, { a: 1 }), 'a fresh IV each time');
});

t.test('with DATABASE_URL and no secret key, saving credentials is 409 secret_key_missing', async (t) => {
  const app = await startTestTessera(t, { TESSERA_SECRET_KEY: '' });
  const base = { type: 'salesforce', config: { loginUrl: 'https://login.salesforce.com' } };
  const refused = await app.api('POST', '/v1/connections', {
    body: { ...base, name: 'crm', credentials: { clientId: 'x', clientSecret: 'y' } },
  });
  t.equal(refused.status, 409);
  t.equal(refused.body.error.code, 'secret_key_missing');
  t.equal((await app.db('connections')).length, 0, 'nothing half-written');
  const withoutCredentials = await app.api('POST', '/v1/connections', { body: { ...base, name: 'crm' } });
  t.equal(withoutCredentials.status, 201);
  t.same(withoutCredentials.body.credentials, { set: false, updatedAt: null });
});

t.test('the registry refuses a connector it could not run', async (t) => {
  const registry = new Registry();
  const plain = {
    describe: { title: 'X', auth: 'none' as const },
    config: Joi.object(),
    credentials: Joi.object(),
  };
  registry.add({ ...plain, type: 'x' });
  t.throws(() => registry.add({ ...plain, type: 'x' }), /registered twice/);
  t.throws(() => registry.add({ ...plain, type: 'Bad Type' }), /not a slug/);
  t.throws(
    () => registry.add({ ...plain, type: 'y', describe: { title: 'Y', auth: 'oauth1' as 'none' } }),
    /unknown auth mode/,
  );
  t.throws(
    () =>
      registry.add({ ...plain, type: 'z', describe: { title: 'Z', auth: 'none', writeBackTypes: ['a.b'] } }),
    /no writeBack/,
  );
  t.throws(
    () =>
      registry.add({
        ...plain,
        type: 'p',
        describe: { title: 'P', auth: 'none', paging: 'cursor' as 'none' },
      }),
    /unknown paging style/,
  );
  t.throws(
    () =>
      registry.add({ ...plain, type: 'l', describe: { title: 'L', auth: 'none', limits: { retries: -1 } } }),
    /limit retries/,
  );
  t.same(registry.types, ['x']);
});
