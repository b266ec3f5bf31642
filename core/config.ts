// Owns Tessera's configuration: the environment, validated once at start.
import Joi from 'joi';
import cron from 'node-cron';
import { parseSchedule } from '../webhooks/retry-schedule.ts';

export type Role = 'admin' | 'integration' | 'partner' | 'viewer';

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  embeddedPgPort: number;
  logLevel: string;
  adminKey: string | undefined;
  dbPoolMax: number;
  idempotencyTtlHours: number;
  idempotencyLockSeconds: number;
  idempotencyPurgeCron: string;
  maxBodyBytes: number;
  shutdownTimeoutMs: number;
  roles: Array<'api' | 'worker'>;
  reservationMaxSeconds: number;
  ledgerSweepCron: string;
  authCacheSeconds: number;
  webhookTimeoutMs: number;
  webhookRetrySchedule: number[];
  webhookAllowHttp: boolean;
  webhookAllowedAddresses: string[];
  webhookDisableAfterHours: number;
  webhookEndpointConcurrency: number;
  webhookWorkerConcurrency: number;
  liveBufferBytes: number;
  livePingSeconds: number;
  webhookFanoutIntervalMs: number;
  webhookRecoverySeconds: number;
  inboundToleranceSeconds: number;
  inboundMaxBytes: number;
}

const cronExpression = Joi.string().custom((value: string, helpers) =>
  cron.validate(value)
    ? value
    : helpers.message({ custom: 'must be a cron expression such as */10 * * * *' }),
);

// Each entry: environment variable → config key, with its schema. The README's table mirrors this list.
const variables = {
  PORT: ['port', Joi.number().integer().min(0).max(65535).default(8080)],
  HOST: ['host', Joi.string().hostname().default('127.0.0.1')],
  DATABASE_URL: ['databaseUrl', Joi.string().uri({ scheme: ['postgres', 'postgresql'] })],
  TESSERA_DATA_DIR: ['dataDir', Joi.string().default('./.tessera')],
  TESSERA_EMBEDDED_PG_PORT: ['embeddedPgPort', Joi.number().integer().min(0).max(65535).default(0)],
  LOG_LEVEL: [
    'logLevel',
    Joi.string().valid('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent').default('info'),
  ],
  TESSERA_ADMIN_KEY: ['adminKey', Joi.string().min(24).max(200).pattern(/^\S+$/)],
  TESSERA_DB_POOL_MAX: ['dbPoolMax', Joi.number().integer().min(2).max(500).default(20)],
  TESSERA_IDEMPOTENCY_TTL_HOURS: ['idempotencyTtlHours', Joi.number().integer().min(24).default(24)],
  TESSERA_IDEMPOTENCY_LOCK_SECONDS: ['idempotencyLockSeconds', Joi.number().integer().min(1).default(60)],
  TESSERA_IDEMPOTENCY_PURGE_CRON: ['idempotencyPurgeCron', cronExpression.default('*/10 * * * *')],
  TESSERA_MAX_BODY_BYTES: ['maxBodyBytes', Joi.number().integer().min(1024).default(1_048_576)],
  TESSERA_SHUTDOWN_TIMEOUT_MS: ['shutdownTimeoutMs', Joi.number().integer().min(0).default(10_000)],
  TESSERA_RESERVATION_MAX_SECONDS: [
    'reservationMaxSeconds',
    Joi.number().integer().min(1).max(2_592_000).default(86_400),
  ],
  TESSERA_LEDGER_SWEEP_CRON: ['ledgerSweepCron', cronExpression.default('*/5 * * * * *')],
  TESSERA_AUTH_CACHE_SECONDS: ['authCacheSeconds', Joi.number().integer().min(0).max(300).default(5)],
  TESSERA_WEBHOOK_TIMEOUT_MS: [
    'webhookTimeoutMs',
    Joi.number().integer().min(100).max(120_000).default(15_000),
  ],
  TESSERA_WEBHOOK_RETRY_SCHEDULE: [
    'webhookRetrySchedule',
    Joi.string()
      .default('5s,5m,30m,2h,5h,10h,14h,20h,24h')
      .custom((value: string, helpers) => {
        try {
          return parseSchedule(value);
        } catch (error) {
          return helpers.message({ custom: (error as Error).message });
        }
      }),
  ],
  TESSERA_WEBHOOK_ALLOW_HTTP: ['webhookAllowHttp', Joi.boolean().default(false)],
  TESSERA_WEBHOOK_ALLOWED_ADDRESSES: [
    'webhookAllowedAddresses',
    Joi.array()
      .items(Joi.string().ip({ cidr: 'optional' }))
      .single()
      .default([]),
  ],
  TESSERA_WEBHOOK_DISABLE_AFTER_HOURS: ['webhookDisableAfterHours', Joi.number().min(1).default(120)],
  TESSERA_WEBHOOK_ENDPOINT_CONCURRENCY: [
    'webhookEndpointConcurrency',
    Joi.number().integer().min(1).max(100).default(4),
  ],
  TESSERA_WEBHOOK_WORKER_CONCURRENCY: [
    'webhookWorkerConcurrency',
    Joi.number().integer().min(1).max(200).default(8),
  ],
  TESSERA_WEBHOOK_FANOUT_INTERVAL_MS: [
    'webhookFanoutIntervalMs',
    Joi.number().integer().min(10).max(60_000).default(500),
  ],
  TESSERA_WEBHOOK_RECOVERY_SECONDS: [
    'webhookRecoverySeconds',
    Joi.number().integer().min(1).max(3600).default(30),
  ],
  TESSERA_INBOUND_TOLERANCE_SECONDS: [
    'inboundToleranceSeconds',
    Joi.number().integer().min(1).max(3600).default(300),
  ],
  TESSERA_INBOUND_MAX_BYTES: ['inboundMaxBytes', Joi.number().integer().min(1024).default(1_048_576)],
  TESSERA_LIVE_BUFFER_BYTES: ['liveBufferBytes', Joi.number().integer().min(1024).default(1_048_576)],
  TESSERA_LIVE_PING_SECONDS: ['livePingSeconds', Joi.number().integer().min(1).max(600).default(30)],
  TESSERA_ROLES: [
    'roles',
    Joi.array().items(Joi.string().valid('api', 'worker')).min(1).single().default(['api', 'worker']),
  ],
} as const satisfies Record<string, readonly [keyof Config, Joi.Schema]>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

// Variables whose value is a comma-separated list.
const LISTS = new Set(['TESSERA_ROLES', 'TESSERA_WEBHOOK_ALLOWED_ADDRESSES']);

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const config: Record<string, unknown> = {};
  for (const [name, [key, schema]] of Object.entries(variables)) {
    const raw = env[name] === '' ? undefined : env[name];
    const value = LISTS.has(name) && raw ? raw.split(',').map((r) => r.trim()) : raw;
    const { error, value: parsed } = (schema as Joi.Schema).validate(value, { convert: true });
    if (error) throw new ConfigError(`${name} is invalid: ${error.message.replace(/^"value" /, '')}`);
    config[key] = parsed;
  }
  return config as unknown as Config;
}
