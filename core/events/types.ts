// Owns event types: dotted lowercase names (`ledger.reserved`), the patterns that select them (`ledger.*`
// a prefix, `*` all), and matching a pattern in code and in SQL alike.
import Joi from 'joi';

const NAME = '[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*';

// An event type as sources and campaigns name it.
export const eventType = Joi.string()
  .max(100)
  .pattern(new RegExp(`^${NAME}$`))
  .description('a dotted name such as `pos.transaction`');

// A pattern selecting event types: a type, `a.*` for every type under `a.`, or `*` for all.
export const eventTypePattern = Joi.string()
  .max(100)
  .pattern(new RegExp(`^(\\*|${NAME}(\\.\\*)?)$`))
  .description('an event type; `ledger.*` matches every ledger event, `*` all');

export function typeMatches(patterns: readonly string[], type: string): boolean {
  return patterns.some(
    (p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))),
  );
}

// The same selection for SQL: exact names and LIKE prefixes; null when everything matches.
export function typeFilter(patterns: readonly string[]): { exact: string[]; prefixes: string[] } | null {
  if (patterns.length === 0 || patterns.includes('*')) return null;
  const exact = patterns.filter((type) => !type.endsWith('.*'));
  const prefixes = patterns
    .filter((type) => type.endsWith('.*'))
    .map((type) => type.slice(0, -1).replace(/[\\%_]/g, '\\$&') + '%');
  return { exact, prefixes };
}
