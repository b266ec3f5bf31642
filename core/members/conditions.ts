// Owns conditions `{ path, op, value }` on an event or a member, shared by rule `where` clauses and
// eligibility (of campaigns, partners and offers).
export interface Condition {
  path: string;
  op: 'eq' | 'neq' | 'in' | 'gte' | 'lte';
  value: unknown;
}

export function valueAt(subject: unknown, path: string): unknown {
  let value: unknown = subject;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

// Numbers compare as numbers, ISO dates as dates, anything else as text.
function compare(a: unknown, b: unknown): number | null {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return null;
}

export function holds(condition: Condition, subject: unknown): boolean {
  const actual = valueAt(subject, condition.path);
  switch (condition.op) {
    case 'eq':
      return actual === condition.value;
    case 'neq':
      return actual !== condition.value;
    case 'in':
      return Array.isArray(condition.value) && condition.value.includes(actual);
    case 'gte': {
      const order = compare(actual, condition.value);
      return order !== null && order >= 0;
    }
    case 'lte': {
      const order = compare(actual, condition.value);
      return order !== null && order <= 0;
    }
  }
}

export const allHold = (conditions: Condition[] | undefined, subject: unknown) =>
  (conditions ?? []).every((condition) => holds(condition, subject));
