// Owns when a connection runs next: its cron schedule in its own time zone, through node-cron.
import cron from 'node-cron';

export function validSchedule(schedule: string): boolean {
  return cron.validate(schedule);
}

export function validTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

// The first time after now the schedule fires in the time zone; null without a schedule.
export async function nextRunAt(schedule: string | null, timeZone: string): Promise<Date | null> {
  if (!schedule) return null;
  const task = cron.createTask(schedule, () => {}, { timezone: timeZone });
  try {
    return task.getNextRuns(1)[0] ?? null;
  } finally {
    await task.destroy();
  }
}
