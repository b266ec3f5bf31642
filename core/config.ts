// Owns Tessera's configuration: the environment, validated once at start.
import ipaddr from 'ipaddr.js';
import Joi from 'joi';
import cron from 'node-cron';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

// An operator's exception: an address or CIDR range, optionally bound to one port.
export interface AllowedAddress {
  range: [Address, number];
  port: number | null;
  text: string;
}

// "10.0.0.5", "10.0.0.0/8", "10.0.0.5:8443", "::1", "fd00::/8", "[::1]:8443", "[fd00::/8]:443".
export function parseAllowedAddress(text: string): AllowedAddress {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  const v4 = /^([\d.]+(?:\/\d{1,2})?)(?::(\d{1,5}))?$/.exec(text);
  const [, host, port] = bracketed ?? v4 ?? [text, text, undefined];
  const range: [Address, number] = host.includes('/')
    ? ipaddr.parseCIDR(host)
    : (() => {
        const address = ipaddr.parse(host);
        return [address, address.kind() === 'ipv4' ? 32 : 128];
      })();
  if (!ipaddr.isValid(range[0].toString())) throw new Error(`${text} is not an address`);
  const portNumber = port === undefined ? null : Number(port);
  if (portNumber !== null && (portNumber < 1 || portNumber > 65535)) throw new Error(`${text}: bad port`);
  return { range, port: portNumber, text };
}

// "5s,5m,30m,2h" → milliseconds.
export function parseSchedule(text: string): number[] {
  return text.split(',').map((part) => {
    const match = /^\s*(\d+)(ms|s|m|h|d)\s*$/.exec(part);
    if (!match) throw new Error(`"${part}" is not a delay such as 500ms, 5s, 5m, 2h or 1d`);
    const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms'];
    return Number(match[1]) * unit;
  });
}

// 32 bytes, base64: the key that seals connection credentials.
export function parseSecretKey(text: string): Buffer {
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32) throw new Error('must be 32 bytes in base64 (openssl rand -base64 32)');
  return key;
}

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  embeddedPgPort: number;
  logLevel: string;
  adminKey: string | undefined;
  dbPoolMax: number;
  dbTimeoutMs: number;
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
  webhookAllowedAddresses: AllowedAddress[];
  webhookDisableAfterHours: number;
  webhookEndpointConcurrency: number;
  webhookWorkerConcurrency: number;
  liveBufferBytes: number;
  livePingSeconds: number;
  webhookFanoutIntervalMs: number;
  webhookRecoverySeconds: number;
  inboundToleranceSeconds: number;
  inboundMaxBytes: number;
  secretKey: Buffer | undefined;
  publicUrl: string | undefined;
  connectorDueCron: string;
  connectorTimeoutMs: number;
  connectorBackoffMs: number;
  connectionFileMaxBytes: number;
  milestonesCron: string;
  uploadMaxRows: number;
  uploadMaxBytes: number;
  uploadBatchRows: number;
  complaintSlaCron: string;
  deliveryRetrySchedule: number[];
  deliveryConcurrency: number;
  otpTtlSeconds: number;
  otpMaxAttempts: number;
  reconciliationCron: string;
  retentionCron: string;
  redemptionRollupCron: string;
}

const cronExpression = Joi.string().custom((value: string, helpers) =>
  cron.validate(value)
    ? value
    : helpers.message({ custom: 'must be a cron expression such as */10 * * * *' }),
);

// A setting parsed from text by a function of its own; its default is text that goes the same way.
function parsedBy<T>(parse: (text: string) => T) {
  return Joi.any().custom((value: unknown, helpers) => {
    try {
      return parse(String(value));
    } catch (error) {
      return helpers.message({ custom: (error as Error).message });
    }
  });
}

const int = (min: number, max?: number) => {
  const schema = Joi.number().integer().min(min);
  return max === undefined ? schema : schema.max(max);
};

// Each entry: environment variable → config key, its schema, and its default as the text a user would
// set, so that a default goes through the same conversion and checks as a set value. The README's table
// mirrors this list.
const variables = {
  PORT: ['port', int(0, 65535), '8080'],
  HOST: ['host', Joi.string().hostname(), '127.0.0.1'],
  DATABASE_URL: ['databaseUrl', Joi.string().uri({ scheme: ['postgres', 'postgresql'] })],
  TESSERA_DATA_DIR: ['dataDir', Joi.string(), './.tessera'],
  TESSERA_EMBEDDED_PG_PORT: ['embeddedPgPort', int(0, 65535), '0'],
  LOG_LEVEL: [
    'logLevel',
    Joi.string().valid('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
    'info',
  ],
  TESSERA_ADMIN_KEY: ['adminKey', Joi.string().min(24).max(200).pattern(/^\S+$/)],
  TESSERA_DB_POOL_MAX: ['dbPoolMax', int(2, 500), '20'],
  TESSERA_DB_TIMEOUT_MS: ['dbTimeoutMs', int(100, 600_000), '10000'],
  TESSERA_IDEMPOTENCY_TTL_HOURS: ['idempotencyTtlHours', int(24), '24'],
  TESSERA_IDEMPOTENCY_LOCK_SECONDS: ['idempotencyLockSeconds', int(1), '60'],
  TESSERA_IDEMPOTENCY_PURGE_CRON: ['idempotencyPurgeCron', cronExpression, '*/10 * * * *'],
  TESSERA_MAX_BODY_BYTES: ['maxBodyBytes', int(1024), '1048576'],
  TESSERA_SHUTDOWN_TIMEOUT_MS: ['shutdownTimeoutMs', int(0), '10000'],
  TESSERA_RESERVATION_MAX_SECONDS: ['reservationMaxSeconds', int(1, 2_592_000), '86400'],
  TESSERA_LEDGER_SWEEP_CRON: ['ledgerSweepCron', cronExpression, '*/5 * * * * *'],
  TESSERA_AUTH_CACHE_SECONDS: ['authCacheSeconds', int(0, 300), '5'],
  TESSERA_WEBHOOK_TIMEOUT_MS: ['webhookTimeoutMs', int(100, 120_000), '15000'],
  TESSERA_WEBHOOK_RETRY_SCHEDULE: [
    'webhookRetrySchedule',
    parsedBy(parseSchedule),
    '5s,5m,30m,2h,5h,10h,14h,20h,24h',
  ],
  TESSERA_WEBHOOK_ALLOW_HTTP: ['webhookAllowHttp', Joi.boolean(), 'false'],
  TESSERA_WEBHOOK_ALLOWED_ADDRESSES: [
    'webhookAllowedAddresses',
    Joi.array().items(parsedBy(parseAllowedAddress)).single(),
    '',
  ],
  TESSERA_WEBHOOK_DISABLE_AFTER_HOURS: ['webhookDisableAfterHours', Joi.number().min(1), '120'],
  TESSERA_WEBHOOK_ENDPOINT_CONCURRENCY: ['webhookEndpointConcurrency', int(1, 100), '4'],
  TESSERA_WEBHOOK_WORKER_CONCURRENCY: ['webhookWorkerConcurrency', int(1, 200), '8'],
  TESSERA_WEBHOOK_FANOUT_INTERVAL_MS: ['webhookFanoutIntervalMs', int(10, 60_000), '100'],
  TESSERA_WEBHOOK_RECOVERY_SECONDS: ['webhookRecoverySeconds', int(1, 3600), '30'],
  TESSERA_INBOUND_TOLERANCE_SECONDS: ['inboundToleranceSeconds', int(1, 3600), '300'],
  TESSERA_INBOUND_MAX_BYTES: ['inboundMaxBytes', int(1024), '1048576'],
  TESSERA_LIVE_BUFFER_BYTES: ['liveBufferBytes', int(1024), '1048576'],
  TESSERA_LIVE_PING_SECONDS: ['livePingSeconds', int(1, 600), '30'],
  TESSERA_SECRET_KEY: ['secretKey', parsedBy(parseSecretKey)],
  TESSERA_PUBLIC_URL: [
    'publicUrl',
    Joi.string()
      .uri({ scheme: ['http', 'https'] })
      .replace(/\/+$/, ''),
  ],
  TESSERA_CONNECTOR_DUE_CRON: ['connectorDueCron', cronExpression, '* * * * *'],
  TESSERA_CONNECTOR_TIMEOUT_MS: ['connectorTimeoutMs', int(100, 600_000), '30000'],
  TESSERA_CONNECTOR_BACKOFF_MS: ['connectorBackoffMs', int(10, 60_000), '500'],
  TESSERA_CONNECTION_FILE_MAX_BYTES: ['connectionFileMaxBytes', int(1024), '104857600'],
  TESSERA_MILESTONES_CRON: ['milestonesCron', cronExpression, '0 * * * *'],
  TESSERA_UPLOAD_MAX_ROWS: ['uploadMaxRows', int(1), '1000000'],
  TESSERA_UPLOAD_MAX_BYTES: ['uploadMaxBytes', int(1024), '268435456'],
  TESSERA_UPLOAD_BATCH_ROWS: ['uploadBatchRows', int(1, 10_000), '500'],
  TESSERA_COMPLAINT_SLA_CRON: ['complaintSlaCron', cronExpression, '* * * * *'],
  TESSERA_DELIVERY_RETRY_SCHEDULE: ['deliveryRetrySchedule', parsedBy(parseSchedule), '30s,2m,10m,1h,4h'],
  TESSERA_DELIVERY_CONCURRENCY: ['deliveryConcurrency', int(1, 500), '16'],
  TESSERA_OTP_TTL_SECONDS: ['otpTtlSeconds', int(30, 3600), '300'],
  TESSERA_OTP_MAX_ATTEMPTS: ['otpMaxAttempts', int(1, 20), '5'],
  TESSERA_RECONCILIATION_CRON: ['reconciliationCron', cronExpression, '0 3 1 * *'],
  TESSERA_RETENTION_CRON: ['retentionCron', cronExpression, '30 2 * * *'],
  TESSERA_REDEMPTION_ROLLUP_CRON: ['redemptionRollupCron', cronExpression, '*/10 * * * *'],
  TESSERA_ROLES: [
    'roles',
    Joi.array().items(Joi.string().valid('api', 'worker')).min(1).single(),
    'api,worker',
  ],
} as const satisfies Record<string, readonly [keyof Config, Joi.Schema, string?]>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

// Variables whose value is a comma-separated list.
const LISTS = new Set(['TESSERA_ROLES', 'TESSERA_WEBHOOK_ALLOWED_ADDRESSES']);

function listOf(raw: string): string[] {
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const config: Record<string, unknown> = {};
  for (const [name, [key, schema, fallback]] of Object.entries(variables) as Array<
    [string, readonly [string, Joi.Schema, string?]]
  >) {
    const raw = env[name] === '' || env[name] === undefined ? fallback : env[name];
    const value = LISTS.has(name) && raw !== undefined ? listOf(raw) : raw;
    const { error, value: parsed } = (schema as Joi.Schema).validate(value, { convert: true });
    if (error) throw new ConfigError(`${name} is invalid: ${error.message.replace(/^"value" /, '')}`);
    config[key] = parsed;
  }
  return config as unknown as Config;
}
