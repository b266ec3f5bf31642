// Owns the shape of a send queue that is a table of its own (webhook messages, reward deliveries): a
// process claims due rows while it has free send slots, sends each, and claims again as sends finish. A
// NOTIFY from whoever made rows due wakes it at once; a poll finds retries coming due and a NOTIFY it
// missed. Outcomes that finish while a record is being written share the next one: a burst costs one
// commit, not one each.
import type { Logger } from 'pino';
import type { Database } from '../db/database.ts';

const POLL_MS = 500;

export interface SendQueue<C, A> {
  // For logs.
  name: string;
  // The NOTIFY channel that says rows are due.
  wakeChannel: string;
  // Sends in flight at once in this process.
  concurrency: number;
  // Due rows, at most `free`, each with its send lease taken; `busy` counts sends in flight by key.
  claim: (free: number, busy: ReadonlyMap<string, number>) => Promise<C[]>;
  // What `busy` counts a claimed row under (its endpoint, its provider).
  keyOf: (claimed: C) => string;
  // One send; answers the outcome to record, or nothing when there is none.
  send: (claimed: C) => Promise<A | null>;
  // A batch of outcomes in one transaction.
  record: (batch: A[]) => Promise<void>;
}

interface Queued<A> {
  outcome: A;
  done: (error?: unknown) => void;
}

// Records outcomes in batches; a batch that fails is recorded again one by one, so that one outcome
// whose record fails does not hold back the others (its lease lapses and it is sent again).
export function batchRecorder<A>(record: (batch: A[]) => Promise<void>) {
  let queue: Queued<A>[] = [];
  let writing = false;
  const write = async () => {
    writing = true;
    while (queue.length) {
      const batch = queue;
      queue = [];
      try {
        await record(batch.map((item) => item.outcome));
        for (const item of batch) item.done();
      } catch {
        for (const item of batch)
          await record([item.outcome]).then(
            () => item.done(),
            (error) => item.done(error ?? new Error('recording the outcome failed')),
          );
      }
    }
    writing = false;
  };
  return (outcome: A) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ outcome, done: (error) => (error ? reject(error) : resolve()) });
      if (!writing) void write();
    });
}

interface Listener {
  on: (event: 'notification', handler: () => void) => void;
  query: (sql: string) => Promise<unknown>;
}

export async function startDispatcher<C, A>(
  db: Database,
  queue: SendQueue<C, A>,
  log: Logger,
): Promise<() => Promise<void>> {
  const sends = new Set<Promise<void>>();
  const records = new Set<Promise<void>>();
  const busy = new Map<string, number>();
  const record = batchRecorder(queue.record);
  let stopping = false;
  let filling: Promise<void> | null = null;
  let again = false;

  // A send slot is the request to the receiver: it is free again once the answer is in. The row keeps
  // its lease until its outcome is recorded, so it cannot be claimed twice meanwhile.
  const send = (claimed: C) => {
    const key = queue.keyOf(claimed);
    busy.set(key, (busy.get(key) ?? 0) + 1);
    const sending: Promise<void> = queue
      .send(claimed)
      .then((outcome) => {
        if (outcome === null) return;
        const recording: Promise<void> = record(outcome)
          .catch((error) => log.error({ err: error, queue: queue.name }, 'recording a send failed'))
          .finally(() => records.delete(recording));
        records.add(recording);
      })
      .catch((error) => log.error({ err: error, queue: queue.name }, 'a send failed'))
      .finally(() => {
        sends.delete(sending);
        const left = (busy.get(key) ?? 1) - 1;
        if (left > 0) busy.set(key, left);
        else busy.delete(key);
        wake();
      });
    sends.add(sending);
  };

  const fill = async () => {
    do {
      again = false;
      for (;;) {
        const free = queue.concurrency - sends.size;
        if (stopping || free <= 0) break;
        const claimed = await queue.claim(free, busy);
        for (const row of claimed) send(row);
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
      .catch((error) => log.error({ err: error, queue: queue.name }, 'claiming due sends failed'))
      .finally(() => {
        filling = null;
      });
  }

  const listener = (await db.client.acquireConnection()) as Listener;
  listener.on('notification', wake);
  await listener.query(`LISTEN ${queue.wakeChannel}`);
  const poll = setInterval(wake, POLL_MS);
  wake();

  return async () => {
    stopping = true;
    clearInterval(poll);
    await filling;
    await Promise.all(sends);
    await Promise.all(records);
    await listener.query(`UNLISTEN ${queue.wakeChannel}`).catch(() => {});
    await db.client.releaseConnection(listener);
  };
}
