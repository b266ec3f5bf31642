// A real HTTP receiver for outbound webhooks: records every request with its raw body and headers, and
// answers each one from a script (status, headers) so that tests can make it fail, throttle or vanish.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  at: number;
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  // Answer only after this long; `hang` never answers (a receiver stuck mid-delivery).
  delayMs?: number;
  hang?: boolean;
}

export async function startReceiver(
  answer: (received: Received, index: number) => Answer = () => ({ status: 200 }),
) {
  const received: Received[] = [];
  const waiters: Array<() => void> = [];
  const server = http.createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const entry = {
      at: Date.now(),
      path: request.url ?? '/',
      headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)])),
      body: Buffer.concat(chunks).toString('utf8'),
    };
    received.push(entry);
    const { status, headers, delayMs, hang } = answer(entry, received.length - 1);
    for (const wake of waiters.splice(0)) wake();
    if (hang) return;
    if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
    response.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(`answered ${status}`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    // Resolves once `count` requests (matching `where`) have arrived.
    async waitFor(count: number, where: (r: Received) => boolean = () => true, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.filter(where).length < count) {
        if (Date.now() > deadline)
          throw new Error(`only ${received.filter(where).length} of ${count} requests arrived`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
      return received.filter(where);
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
