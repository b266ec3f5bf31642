// Owns what a process runs in the background: plugins declare their queues, workers, schedules and
// services while they register, and the runtime starts those that the process's roles call for and stops
// them in reverse. No module starts background work of its own.
import type { PgBoss, WorkOptions } from 'pg-boss';
import type { Logger } from 'pino';
import type { Database, Transaction } from '../db/database.ts';
import { enqueueOn, type NewJob, type QueueOptions, startQueue } from './queue.ts';
import { type Schedule, startSchedules } from './schedules.ts';

export type ProcessRole = 'api' | 'worker';

export interface Worker<T extends object> {
  queue: string;
  // One job at a time per slot: a slow job holds its own slot only, never a batch of others'.
  handle: (data: T) => Promise<void>;
  options: Omit<WorkOptions, 'batchSize'>;
}

// A long-running loop (a fan-out, a listener) that runs in processes of one role.
export interface Service {
  name: string;
  role: ProcessRole;
  start: () => Promise<() => Promise<void>>;
}

export interface JobsStart {
  url: string;
  db: Database;
  logger: Logger;
  roles: ProcessRole[];
  recoverySeconds: number;
  shutdownTimeoutMs: number;
}

type Stop = () => Promise<void>;

export class Jobs {
  readonly #queues = new Map<string, QueueOptions>();
  readonly #workers: Array<Worker<object>> = [];
  readonly #schedules: Schedule[] = [];
  readonly #services: Service[] = [];
  #boss: PgBoss | undefined;
  #stops: Stop[] = [];

  queue(name: string, options: QueueOptions): void {
    this.#queues.set(name, options);
  }

  worker<T extends object>(worker: Worker<T>): void {
    this.#workers.push(worker as unknown as Worker<object>);
  }

  schedule(schedule: Schedule): void {
    this.#schedules.push(schedule);
  }

  // The schedule declared under this name, to run once by hand (runOnce in ./schedules.ts).
  scheduled(name: string): Schedule | undefined {
    return this.#schedules.find((schedule) => schedule.name === name);
  }

  service(service: Service): void {
    this.#services.push(service);
  }

  // Enqueued jobs commit or roll back with `trx`.
  async enqueue<T extends object>(trx: Transaction, queue: string, jobs: Array<NewJob<T>>): Promise<void> {
    if (!this.#boss) throw new Error('the job queue has not started');
    if (!this.#queues.has(queue)) throw new Error(`no queue named ${queue} was declared`);
    await enqueueOn(this.#boss, trx, queue, jobs);
  }

  async start(context: JobsStart): Promise<void> {
    const worker = context.roles.includes('worker');
    try {
      const boss = await startQueue({ ...context, worker });
      this.#boss = boss;
      this.#stops.push(() => boss.stop({ graceful: true, timeout: context.shutdownTimeoutMs, close: true }));
      for (const [name, options] of this.#queues) await boss.createQueue(name, options);
      for (const service of this.#services)
        if (context.roles.includes(service.role)) this.#stops.push(await service.start());
      if (!worker) return;
      this.#stops.push(startSchedules(context.db, context.logger, this.#schedules));
      for (const declared of this.#workers) this.#stops.push(await startWorker(boss, declared));
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  // Services and workers finish what they hold; the queue stops last.
  async stop(): Promise<void> {
    const stops = this.#stops.reverse();
    this.#stops = [];
    for (const stop of stops) await stop();
  }
}

// A finished job wakes the queue's other slots at once, so a backlog drains without the poll delay
// between jobs.
async function startWorker(boss: PgBoss, worker: Worker<object>): Promise<Stop> {
  let slots: string[] = [];
  const workId = await boss.work<object>(worker.queue, { ...worker.options, batchSize: 1 }, async ([job]) => {
    await worker.handle(job.data);
    for (const slot of slots) boss.notifyWorker(slot);
  });
  slots = boss
    .getWipData()
    .filter((entry) => entry.workId === workId)
    .map((entry) => entry.id);
  return () => boss.offWork(worker.queue, { wait: true });
}
