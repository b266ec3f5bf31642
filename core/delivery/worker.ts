// Owns delivery's background work, declared for processes with the `worker` role: the fan-out that
// makes deliveries of fulfilled rewards, the dispatcher that sends them (TESSERA_DELIVERY_CONCURRENCY
// at once) through the tenant's providers and records the outcomes in batches, and the daily purge of
// providers' status reports older than 30 days.
import type { Server } from '@hapi/hapi';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import { type SendQueue, startDispatcher } from '../jobs/dispatcher.ts';
import { fanOutLoop } from '../jobs/fanout.ts';
import type { ChannelSender } from './channel.ts';
import { nextSend, readTenantDelivery, type TenantDelivery } from './compose.ts';
import { fanOutDeliveries } from './fanout.ts';
import { type ClaimedDelivery, claimDue, WAKE_CHANNEL } from './queue.ts';
import { recordOutcomes, type SendOutcome } from './record.ts';
import { purgeReports } from './reports.ts';

// How long a tenant's providers, order and templates are reused by a dispatcher.
const TENANT_KEPT_MS = 2_000;
// How long a send lease outlasts the provider's request timeout: time to record the outcome.
const LEASE_MARGIN_MS = 10_000;

function tenantCache(db: Database) {
  const kept = new Map<string, { until: number; value: Promise<TenantDelivery> }>();
  return (tenantId: string) => {
    const hit = kept.get(tenantId);
    if (hit && hit.until > Date.now()) return hit.value;
    const value = readTenantDelivery(db, tenantId);
    kept.set(tenantId, { until: Date.now() + TENANT_KEPT_MS, value });
    value.catch(() => kept.delete(tenantId));
    return value;
  };
}

export function deliveryQueue(
  db: Database,
  config: Config,
  sender: ChannelSender,
): SendQueue<ClaimedDelivery, SendOutcome> {
  const tenant = tenantCache(db);
  const leaseSeconds = (config.connectorTimeoutMs + LEASE_MARGIN_MS) / 1000;
  return {
    name: 'deliveries',
    wakeChannel: WAKE_CHANNEL,
    concurrency: config.deliveryConcurrency,
    claim: (free) => claimDue(db, free, leaseSeconds),
    keyOf: (claimed) => claimed.tenantId,
    send: async (delivery) => {
      const step = nextSend(await tenant(delivery.tenantId), delivery);
      const at = new Date();
      const result = step.kind === 'send' ? await sender(step.connectionId, step.message) : null;
      return { delivery, step, result, at };
    },
    record: (batch) => recordOutcomes(db, config, batch),
  };
}

export function declareDeliveryJobs(server: Server) {
  const { db, jobs, config, logger } = server.app;
  jobs.service({
    name: 'delivery-dispatcher',
    role: 'worker',
    start: () => {
      const sender = server.app.channelSender;
      if (!sender) throw new Error('no channel sender is registered');
      return startDispatcher(db, deliveryQueue(db, config, sender), logger);
    },
  });
  jobs.schedule({ name: 'delivery-report-purge', cron: '0 4 * * *', run: purgeReports });
  jobs.service({
    name: 'delivery-fanout',
    role: 'worker',
    start: async () =>
      fanOutLoop('deliveries', () => fanOutDeliveries(db), config.webhookFanoutIntervalMs, logger),
  });
}
