// Owns recurring jobs: node-cron schedules that run on one server at a time (a Postgres advisory lock).
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { Database } from '../db/database.ts';

export interface Schedule {
  name: string;
  cron: string;
  run: (db: Database) => Promise<unknown>;
  // Work that is safe to run on several servers at once (it claims rows with SKIP LOCKED) skips the lock.
  concurrent?: boolean;
}

// The transaction-scoped lock is released at commit, so a crashed runner never holds it.
export async function runOnce(db: Database, schedule: Schedule): Promise<{ ran: boolean; result?: unknown }> {
  if (schedule.concurrent) return { ran: true, result: await schedule.run(db) };
  return db.transaction(async (trx) => {
    const { rows } = await trx.raw('SELECT pg_try_advisory_xact_lock(hashtext(?)) AS locked', [
      `schedule:${schedule.name}`,
    ]);
    if (!rows[0].locked) return { ran: false };
    return { ran: true, result: await schedule.run(db) };
  });
}

export function startSchedules(db: Database, logger: Logger, schedules: Schedule[]): () => Promise<void> {
  const tasks: ScheduledTask[] = schedules.map((schedule) =>
    cron.schedule(
      schedule.cron,
      async () => {
        try {
          const outcome = await runOnce(db, schedule);
          if (outcome.ran && outcome.result)
            logger.info({ schedule: schedule.name, result: outcome.result }, 'schedule ran');
        } catch (error) {
          logger.error({ err: error, schedule: schedule.name }, 'schedule failed');
        }
      },
      { name: schedule.name, noOverlap: true },
    ),
  );
  return async () => {
    await Promise.all(tasks.map((task) => task.stop()));
  };
}
