import t from 'tap';
import { ConfigError, loadConfig } from '../../core/config.ts';

t.test('defaults', async (t) => {
  const config = loadConfig({});
  t.match(config, {
    port: 8080,
    host: '127.0.0.1',
    databaseUrl: undefined,
    dataDir: './.tessera',
    logLevel: 'info',
    roles: ['api', 'worker'],
    idempotencyTtlHours: 24,
  });
});

t.test('values are converted and validated', async (t) => {
  const config = loadConfig({
    PORT: '9000',
    TESSERA_ROLES: 'worker',
    DATABASE_URL: 'postgres://u:p@db:5432/tessera',
  });
  t.equal(config.port, 9000);
  t.same(config.roles, ['worker']);
  t.same(loadConfig({ TESSERA_ROLES: 'api, worker' }).roles, ['api', 'worker']);
});

t.test('a bad value fails with the name of its variable', async (t) => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'eighty' }, /^PORT is invalid/],
    [{ PORT: '70000' }, /^PORT is invalid/],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL is invalid/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL is invalid/],
    [{ TESSERA_ADMIN_KEY: 'short' }, /^TESSERA_ADMIN_KEY is invalid/],
    [{ TESSERA_ROLES: 'api,cook' }, /^TESSERA_ROLES is invalid/],
    [{ TESSERA_IDEMPOTENCY_TTL_HOURS: '1' }, /^TESSERA_IDEMPOTENCY_TTL_HOURS is invalid/],
    [{ TESSERA_IDEMPOTENCY_PURGE_CRON: 'every tuesday' }, /^TESSERA_IDEMPOTENCY_PURGE_CRON is invalid/],
  ];
  for (const [env, message] of cases) {
    t.throws(() => loadConfig(env), { name: 'ConfigError', message }, JSON.stringify(env));
  }
  t.ok(new ConfigError('x') instanceof Error);
});
