import t from 'tap';
import { ConfigError, loadConfig } from '../../core/config.ts';

t.test('every default, with no variable set, has its parsed type and value', async (t) => {
  const config = loadConfig({});
  t.same(config, {
    port: 8080,
    host: '127.0.0.1',
    databaseUrl: undefined,
    dataDir: './.tessera',
    embeddedPgPort: 0,
    logLevel: 'info',
    adminKey: undefined,
    dbPoolMax: 20,
    dbTimeoutMs: 10_000,
    idempotencyTtlHours: 24,
    idempotencyLockSeconds: 60,
    idempotencyPurgeCron: '*/10 * * * *',
    maxBodyBytes: 1_048_576,
    shutdownTimeoutMs: 10_000,
    reservationMaxSeconds: 86_400,
    ledgerSweepCron: '*/5 * * * * *',
    authCacheSeconds: 5,
    webhookTimeoutMs: 15_000,
    // The default schedule goes through its parser: milliseconds, not the text.
    webhookRetrySchedule: [
      5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 50_400_000, 72_000_000, 86_400_000,
    ],
    webhookAllowHttp: false,
    webhookAllowedAddresses: [],
    webhookDisableAfterHours: 120,
    webhookEndpointConcurrency: 4,
    webhookWorkerConcurrency: 8,
    webhookFanoutIntervalMs: 100,
    webhookRecoverySeconds: 30,
    inboundToleranceSeconds: 300,
    inboundMaxBytes: 1_048_576,
    connectorDueCron: '* * * * *',
    connectorTimeoutMs: 30_000,
    connectorBackoffMs: 500,
    connectionFileMaxBytes: 104857600,
    milestonesCron: '0 * * * *',
    uploadMaxRows: 1000000,
    uploadMaxBytes: 268435456,
    uploadBatchRows: 500,
    complaintSlaCron: '* * * * *',
    deliveryRetrySchedule: [30_000, 120_000, 600_000, 3_600_000, 14_400_000],
    deliveryConcurrency: 16,
    otpTtlSeconds: 300,
    otpMaxAttempts: 5,
    reconciliationCron: '0 3 1 * *',
    retentionCron: '30 2 * * *',
    redemptionRollupCron: '*/10 * * * *',
    liveBufferBytes: 1_048_576,
    livePingSeconds: 30,
    roles: ['api', 'worker'],
  });
  t.same(
    loadConfig({ TESSERA_WEBHOOK_RETRY_SCHEDULE: '' }).webhookRetrySchedule,
    config.webhookRetrySchedule,
  );
});

t.test('allow-listed webhook addresses take an optional range and port', async (t) => {
  const { webhookAllowedAddresses: list } = loadConfig({
    TESSERA_WEBHOOK_ALLOWED_ADDRESSES: '127.0.0.1:8443, 10.0.0.0/8, [::1]:9000, fd00::/8',
  });
  t.same(
    list.map((entry) => [entry.range[0].toString(), entry.range[1], entry.port]),
    [
      ['127.0.0.1', 32, 8443],
      ['10.0.0.0', 8, null],
      ['::1', 128, 9000],
      ['fd00::', 8, null],
    ],
  );
  t.throws(() => loadConfig({ TESSERA_WEBHOOK_ALLOWED_ADDRESSES: 'intranet.local' }), {
    message: /^TESSERA_WEBHOOK_ALLOWED_ADDRESSES is invalid/,
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
  const key = Buffer.alloc(32, 7);
  t.same(loadConfig({ TESSERA_SECRET_KEY: key.toString('base64') }).secretKey, key);
  t.equal(
    loadConfig({ TESSERA_PUBLIC_URL: 'https://rewards.example.com/' }).publicUrl,
    'https://rewards.example.com',
  );
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
    [{ TESSERA_WEBHOOK_RETRY_SCHEDULE: '5s,soon' }, /^TESSERA_WEBHOOK_RETRY_SCHEDULE is invalid/],
    [{ TESSERA_WEBHOOK_ALLOWED_ADDRESSES: '127.0.0.1:99999' }, /^TESSERA_WEBHOOK_ALLOWED_ADDRESSES/],
    [{ TESSERA_DB_TIMEOUT_MS: '5' }, /^TESSERA_DB_TIMEOUT_MS is invalid/],
    [{ TESSERA_SECRET_KEY: 'c2hvcnQ=' }, /^TESSERA_SECRET_KEY is invalid: must be 32 bytes/],
    [{ TESSERA_PUBLIC_URL: 'ftp://x' }, /^TESSERA_PUBLIC_URL is invalid/],
    [{ TESSERA_CONNECTOR_DUE_CRON: 'hourly' }, /^TESSERA_CONNECTOR_DUE_CRON is invalid/],
  ];
  for (const [env, message] of cases) {
    t.throws(() => loadConfig(env), { name: 'ConfigError', message }, JSON.stringify(env));
  }
  t.ok(new ConfigError('x') instanceof Error);
});
