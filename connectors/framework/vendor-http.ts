// Owns how connectors call vendors' APIs: got with the connector timeout, a refused call (429, 503)
// sent again after the vendor's Retry-After (capped), a call safe to repeat sent again with backoff after
// a 5xx or a network error, and every other answer (401 included: refreshing is the connector's) handed
// back as it came. Logged without bodies or headers, which carry credentials.
import got, { type Got } from 'got';
import type { Logger } from 'pino';
import type { Limits } from './connector.ts';

export interface RetryPolicy {
  retries: number;
  backoffMs: number;
  maxBackoffMs: number;
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  retries: 4,
  backoffMs: 500,
  maxBackoffMs: 30_000,
  maxRetryAfterMs: 60_000,
};

// The vendor did not take the call: sending it again is safe whatever its method.
const REFUSED = new Set([429, 503]);
const TRANSIENT = new Set([408, 500, 502, 504]);
const REPEATABLE = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'DELETE']);
const NETWORK = new Set([
  'ETIMEDOUT',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ENOTFOUND',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

export interface Failure {
  method: string;
  status?: number;
  code?: string;
  retryAfterMs?: number;
}

// How long to wait before attempt `attempt + 1`, or 0 for no further attempt.
export function retryDelay(policy: RetryPolicy, attempt: number, failure: Failure): number {
  if (attempt > policy.retries) return 0;
  const backoff = () =>
    Math.min(policy.backoffMs * 2 ** (attempt - 1), policy.maxBackoffMs) * (0.8 + Math.random() * 0.4);
  if (failure.status !== undefined && REFUSED.has(failure.status))
    return failure.retryAfterMs ? Math.min(failure.retryAfterMs, policy.maxRetryAfterMs) : backoff();
  const transient =
    (failure.status !== undefined && TRANSIENT.has(failure.status)) ||
    (failure.status === undefined && failure.code !== undefined && NETWORK.has(failure.code));
  return transient && REPEATABLE.has(failure.method) ? backoff() : 0;
}

// The process's settings of vendor calls (TESSERA_CONNECTOR_TIMEOUT_MS, TESSERA_CONNECTOR_BACKOFF_MS).
export interface VendorSettings {
  connectorTimeoutMs: number;
  connectorBackoffMs: number;
}

export function retryPolicy(limits: Limits | undefined, settings: VendorSettings): RetryPolicy {
  return {
    ...DEFAULT_RETRY,
    backoffMs: settings.connectorBackoffMs,
    ...(limits?.retries !== undefined && { retries: limits.retries }),
    ...(limits?.maxRetryAfterMs !== undefined && { maxRetryAfterMs: limits.maxRetryAfterMs }),
  };
}

// A got instance for one connector: answers come back whatever their status, after the retries above.
export function vendorHttp(limits: Limits | undefined, settings: VendorSettings, log: Logger): Got {
  const policy = retryPolicy(limits, settings);
  return got.extend({
    timeout: { request: settings.connectorTimeoutMs },
    throwHttpErrors: false,
    retry: {
      limit: policy.retries,
      calculateDelay: ({ attemptCount, error, retryAfter }) => {
        const delay = retryDelay(policy, attemptCount, {
          method: error.options.method,
          status: error.response?.statusCode,
          code: error.code,
          retryAfterMs: retryAfter,
        });
        if (delay) {
          const url = error.options.url ? new URL(error.options.url) : undefined;
          log.warn(
            {
              method: error.options.method,
              url: url ? `${url.origin}${url.pathname}` : undefined,
              status: error.response?.statusCode,
              code: error.code,
              attempt: attemptCount,
              delayMs: Math.round(delay),
            },
            'vendor call retried',
          );
        }
        return delay;
      },
    },
  });
}
