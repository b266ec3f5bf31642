// Owns a worker process's deliveries: it claims due messages while it has free send slots
// (TESSERA_WEBHOOK_WORKER_CONCURRENCY, at most TESSERA_WEBHOOK_ENDPOINT_CONCURRENCY for one endpoint, so a
// slow receiver holds only its own share), sends each, and claims again as sends finish. A NOTIFY from
// the fan-out wakes it at once; a poll finds retries coming due and a NOTIFY it missed. Attempts that
// finish while a record is being written share the next one: a burst costs one commit, not one each.
import type { Logger } from 'pino';
import { type DeliveryDeps, deliver, leaseSeconds, recordSent, type SentAttempt } from './delivery.ts';
import { claimDue, WAKE_CHANNEL } from './queue.ts';

const POLL_MS = 500;

interface Queued {
  attempt: SentAttempt;
  done: (error?: unknown) => void;
}

// Records attempts in batches; a batch that fails is recorded again one by one, so that one attempt
// whose record fails does not hold back the others (its lease lapses and it is sent again).
export function attemptRecorder(deps: DeliveryDeps) {
  let queue: Queued[] = [];
  let writing = false;
  const write = async () => {
    writing = true;
    while (queue.length) {
      const batch = queue;
      queue = [];
      try {
        await recordSent(
          deps,
          batch.map((item) => item.attempt),
        );
        for (const item of batch) item.done();
      } catch {
        for (const item of batch)
          await recordSent(deps, [item.attempt]).then(
            () => item.done(),
            (error) => item.done(error ?? new Error('recording the attempt failed')),
          );
      }
    }
    writing = false;
  };
  return (attempt: SentAttempt) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ attempt, done: (error) => (error ? reject(error) : resolve()) });
      if (!writing) void write();
    });
}

interface Listener {
  on: (event: 'notification', handler: () => void) => void;
  query: (sql: string) => Promise<unknown>;
}

export async function startDispatcher(deps: DeliveryDeps, log: Logger): Promise<() => Promise<void>> {
  const { db, config } = deps;
  const sends = new Set<Promise<void>>();
  const records = new Set<Promise<void>>();
  const busy = new Map<string, number>();
  const record = attemptRecorder(deps);
  let stopping = false;
  let filling: Promise<void> | null = null;
  let again = false;

  // A send slot is the HTTP request: it is free again once the answer is in. The message keeps its lease
  // until its attempt is recorded, so it cannot be claimed twice meanwhile.
  const send = (claimed: Awaited<ReturnType<typeof claimDue>>[number]) => {
    const endpointId = claimed.endpoint.id;
    busy.set(endpointId, (busy.get(endpointId) ?? 0) + 1);
    const sending: Promise<void> = deliver(deps, claimed)
      .then((attempt) => {
        if (!attempt) return;
        const recording: Promise<void> = record(attempt)
          .catch((error) =>
            log.error({ err: error, messageId: claimed.message.id }, 'recording a webhook attempt failed'),
          )
          .finally(() => records.delete(recording));
        records.add(recording);
      })
      .catch((error) => log.error({ err: error, messageId: claimed.message.id }, 'webhook delivery failed'))
      .finally(() => {
        sends.delete(sending);
        const left = (busy.get(endpointId) ?? 1) - 1;
        if (left > 0) busy.set(endpointId, left);
        else busy.delete(endpointId);
        wake();
      });
    sends.add(sending);
  };

  const fill = async () => {
    do {
      again = false;
      for (;;) {
        const free = config.webhookWorkerConcurrency - sends.size;
        if (stopping || free <= 0) break;
        const claimed = await claimDue(db, {
          free,
          busy,
          perEndpoint: Math.min(config.webhookEndpointConcurrency, config.webhookWorkerConcurrency),
          leaseSeconds: leaseSeconds(config),
        });
        for (const message of claimed) send(message);
        if (claimed.length < free) break;
      }
    } while (again && !stopping);
  };

  // One fill at a time; a wake during a fill runs it once more, so no wake is lost.
  function wake() {
    if (stopping) return;
    if (filling) {
      again = true;
      return;
    }
    filling = fill()
      .catch((error) => log.error({ err: error }, 'claiming webhook deliveries failed'))
      .finally(() => {
        filling = null;
      });
  }

  const listener = (await db.client.acquireConnection()) as Listener;
  listener.on('notification', wake);
  await listener.query(`LISTEN ${WAKE_CHANNEL}`);
  const poll = setInterval(wake, POLL_MS);
  wake();

  return async () => {
    stopping = true;
    clearInterval(poll);
    await filling;
    await Promise.all(sends);
    await Promise.all(records);
    await listener.query(`UNLISTEN ${WAKE_CHANNEL}`).catch(() => {});
    await db.client.releaseConnection(listener);
  };
}
