// Owns turning a store's local date and time (as journals write them) into an instant, in the store's
// IANA time zone, daylight saving included.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string) {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

// How far the zone's wall clock is ahead of UTC at this instant.
function offsetAt(instant: number, timeZone: string): number {
  const part = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(instant)
      .map((p) => [p.type, Number(p.value)]),
  );
  const wall = Date.UTC(part.year, part.month - 1, part.day, part.hour, part.minute, part.second);
  return wall - (instant - (instant % 1000));
}

// `2026-12-06` and `08:15:00` at a store in Asia/Dubai is 2026-12-06T04:15:00.000Z. A time missing from
// the file is midnight; an invalid date or time answers null.
export function localToUtc(date: string, time: string, timeZone: string): string | null {
  const wall = Date.parse(`${date}T${time.length === 5 ? `${time}:00` : time}Z`);
  if (Number.isNaN(wall)) return null;
  const first = wall - offsetAt(wall, timeZone);
  const instant = wall - offsetAt(first, timeZone);
  return new Date(instant).toISOString();
}
