// Owns API key authentication: `Authorization: Bearer <key>` → the caller's tenant, role and partner.
import Boom from '@hapi/boom';
import type { Request, ResponseToolkit, Server } from '@hapi/hapi';
import { KeyCache, scopeForKey } from '../tenancy/key-lookup.ts';
import { headerOf } from './context.ts';

function unauthorized(message: string): Boom.Boom {
  const error = Boom.unauthorized(message, 'Bearer');
  error.data = { code: 'unauthorized', details: [] };
  return error;
}

export function bearerKey(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match ? match[1] : null;
}

export function registerApiKeyAuth(server: Server): void {
  server.app.keyCache = new KeyCache(server.app.config.authCacheSeconds);
  server.auth.scheme('api-key', () => ({
    authenticate: async (request: Request, h: ResponseToolkit) => {
      const key = bearerKey(headerOf(request, 'authorization'));
      if (!key) throw unauthorized('Send an API key as Authorization: Bearer <key>');
      const scope = await scopeForKey(request.server.app, key);
      if (!scope) throw unauthorized('The API key is unknown or revoked');
      return h.authenticated({ credentials: { scope: [scope.role], app: scope } });
    },
  }));
  server.auth.strategy('api-key', 'api-key');
  server.auth.default('api-key');
}
