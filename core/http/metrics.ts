// Owns /metrics: Prometheus request counts and latency per route and status, and the database pool.
import type { Request, ResponseObject, Server } from '@hapi/hapi';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

interface TarnPool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}

export function registerMetrics(server: Server): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tessera_' });
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'tessera_http_requests_total',
    help: 'HTTP requests',
    labelNames,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'tessera_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  new Gauge({
    name: 'tessera_db_pool_connections',
    help: 'Database pool connections by state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const pool = (server.app.db.client as { pool?: TarnPool }).pool;
      this.set({ state: 'in_use' }, pool?.numUsed() ?? 0);
      this.set({ state: 'idle' }, pool?.numFree() ?? 0);
      this.set({ state: 'waiting' }, pool?.numPendingAcquires() ?? 0);
    },
  });

  server.events.on('response', (request: Request) => {
    // The route pattern, not the raw path, keeps the label set bounded.
    const labels = {
      method: request.method,
      route: request.route.path,
      status: String((request.response as ResponseObject | null)?.statusCode ?? 0),
    };
    requests.inc(labels);
    latency.observe(labels, Number(process.hrtime.bigint() - request.app.startedAt) / 1e9);
  });

  server.route({
    method: 'GET',
    path: '/metrics',
    options: { auth: false, description: 'Prometheus metrics', tags: ['operations'] },
    handler: async (_request, h) => h.response(await registry.metrics()).type(registry.contentType),
  });
}
