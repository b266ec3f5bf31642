// Owns request ids and request logs: one JSON line per request, the id on every line and in x-request-id.
import { randomUUID } from 'node:crypto';
import type { Request, ResponseObject, ResponseToolkit, Server } from '@hapi/hapi';
import { headerOf } from './context.ts';

const INCOMING_ID = /^[\w.:-]{1,128}$/;

export function registerRequestLog(server: Server): void {
  const { logger } = server.app;
  server.ext('onRequest', (request: Request, h: ResponseToolkit) => {
    const incoming = headerOf(request, 'x-request-id');
    const requestId = incoming && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    request.app.requestId = requestId;
    request.app.startedAt = process.hrtime.bigint();
    request.app.log = logger.child({ requestId });
    return h.continue;
  });
  server.events.on({ name: 'request', channels: 'app' }, (request, event) => {
    const data = event.data as { err?: Error } | undefined;
    request.app.log?.error({ err: data?.err ?? event.error, tags: event.tags }, 'request error');
  });
  server.ext('onPreResponse', (request: Request, h: ResponseToolkit) => {
    const response = request.response as ResponseObject;
    response.header('x-request-id', request.app.requestId);
    // A stopping server takes no further request on this connection (see core/runtime.ts).
    if (request.server.app.stopping) response.header('connection', 'close');
    return h.continue;
  });
  server.events.on('response', (request) => {
    const ms = Number(process.hrtime.bigint() - request.app.startedAt) / 1e6;
    const status = (request.response as ResponseObject | null)?.statusCode;
    request.app.log.info({
      method: request.method,
      path: request.path,
      status,
      ms: Math.round(ms * 10) / 10,
    });
  });
}
