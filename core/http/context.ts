// Owns the typed per-server and per-request state that Tessera keeps on hapi objects.
import type { Request } from '@hapi/hapi';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { Jobs } from '../jobs/jobs.ts';
import type { KeyCache } from '../tenancy/key-lookup.ts';
import type { Actor, Scope } from '../tenancy/scope.ts';

export interface IdempotencyClaim {
  tenantId: string;
  apiKeyId: string;
  key: string;
  recorded: boolean;
}

declare module '@hapi/hapi' {
  interface PluginSpecificConfiguration {
    // A body field that is the Idempotency-Key when the header is absent (core/http/idempotency.ts).
    // streamedBody: the handler reads the body as a stream and claims the key itself (claimStreamed).
    tessera?: { idempotencyField?: string; streamedBody?: boolean };
  }
  interface ServerApplicationState {
    db: Database;
    config: Config;
    logger: Logger;
    keyCache: KeyCache;
    // Background work: plugins declare theirs at register; mutations enqueue jobs in their transaction.
    jobs: Jobs;
    // Set when the process begins to stop: answers close their connections.
    stopping?: boolean;
  }
  interface RequestApplicationState {
    requestId: string;
    log: Logger;
    startedAt: bigint;
    idempotency?: IdempotencyClaim;
  }
  interface AppCredentials extends Scope {}
}

export function scopeOf(request: Request): Scope {
  const app = request.auth.credentials.app;
  if (!app) throw new Error('scopeOf called on a route without API key auth');
  return app;
}

export function actorOf(request: Request): Actor {
  return { scope: scopeOf(request), requestId: request.app.requestId };
}

// Joi has validated these by the time a handler runs; the helpers only give them their types.
export const paramsOf = <T>(request: Request) => request.params as unknown as T;
export const queryOf = <T>(request: Request) => request.query as unknown as T;
export const payloadOf = <T>(request: Request) => request.payload as T;

// The request's media type without its parameters: `text/csv; charset=utf-8` is `text/csv`.
export const mimeOf = (request: Request) =>
  String(request.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();

export function headerOf(request: Request, name: string): string | undefined {
  const value: unknown = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}
