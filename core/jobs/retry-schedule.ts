// Owns when a failed send (a webhook message, a reward message) is tried again: the configured schedule
// with ±20 % jitter, or the receiver's Retry-After, clamped to a sane range.

const JITTER = 0.2;
const RETRY_AFTER_MIN_MS = 1_000;
const RETRY_AFTER_MAX_MS = 24 * 3_600_000;

// Retry-After is seconds or an HTTP date.
export function retryAfterMs(header: string | undefined, now = Date.now()): number | null {
  if (!header) return null;
  const ms = /^\d+$/.test(header.trim()) ? Number(header) * 1000 : Date.parse(header) - now;
  if (!Number.isFinite(ms)) return null;
  return Math.min(RETRY_AFTER_MAX_MS, Math.max(RETRY_AFTER_MIN_MS, ms));
}

// The delay before the next attempt after `attempts` tries, or null when the schedule is spent.
export function nextDelayMs(schedule: number[], attempts: number, retryAfter: number | null): number | null {
  if (attempts > schedule.length) return null;
  if (retryAfter !== null) return retryAfter;
  const base = schedule[attempts - 1];
  return Math.round(base * (1 - JITTER + Math.random() * 2 * JITTER));
}
