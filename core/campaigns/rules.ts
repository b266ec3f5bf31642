// Owns the arithmetic of campaign rules: how one event moves a member's progress, how many rewards it
// earns, and what is left once the issued rewards have consumed their share. Pure: the caller holds
// the progress row's lock and stores what comes back.
import { type Condition, valueAt } from '../members/conditions.ts';

export type Rule =
  | { type: 'each'; where?: Condition[] }
  | { type: 'direct'; where?: Condition[] }
  | { type: 'threshold'; field: string; min: number; where?: Condition[] }
  | { type: 'cumulative'; field: string; target: number; windowDays?: number; where?: Condition[] }
  | { type: 'frequency'; count: number; windowDays: number; where?: Condition[] };

// One counted event not yet consumed by a reward.
export interface Entry {
  at: string;
  amount: number;
}

export interface ProgressState {
  entries: Entry[];
  carried: number;
}

export interface RuleEvent {
  occurredAt: Date;
  data: Record<string, unknown>;
}

export interface Earning {
  earned: number;
  // Progress after `issued` of the earned rewards consumed their share; the rest stays counted.
  settle: (issued: number) => { state: ProgressState; progress?: { current: number; target: number } };
}

export type RuleRefusal = { refused: 'missing_field' | 'below_threshold'; value?: unknown };

const DAY_MS = 86_400_000;
// Events arriving this much later than their window are no longer counted.
export const LATE_GRACE_DAYS = 30;

const stateless = (earned: number): Earning => ({
  earned,
  settle: () => ({ state: { entries: [], carried: 0 } }),
});

function amountOf(rule: { field: string }, event: RuleEvent): number | null {
  const value = valueAt({ data: event.data }, rule.field);
  const amount = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof amount === 'number' && Number.isFinite(amount) ? amount : null;
}

const time = (entry: Entry) => Date.parse(entry.at);

// Entries too old to share a window with the newest one or with an event up to the grace late.
function pruned(entries: Entry[], windowDays: number): Entry[] {
  const newest = Math.max(...entries.map(time));
  const horizon = newest - (windowDays + LATE_GRACE_DAYS) * DAY_MS;
  return entries.filter((entry) => time(entry) > horizon);
}

function withEntry(entries: Entry[], entry: Entry): Entry[] {
  return [...entries, entry].sort((a, b) => time(a) - time(b));
}

// Frequency: `count` events within `windowDays` (first to last less than the window apart) earn a
// reward, and those events are consumed. Groups are taken earliest first.
function frequency(rule: Extract<Rule, { type: 'frequency' }>, state: ProgressState, event: RuleEvent) {
  const windowMs = rule.windowDays * DAY_MS;
  const at = event.occurredAt.getTime();
  const entries = pruned(
    withEntry(state.entries, { at: event.occurredAt.toISOString(), amount: 1 }),
    rule.windowDays,
  );
  const groups: number[][] = [];
  const taken = new Set<number>();
  for (let i = 0; i < entries.length; i++) {
    const free = entries.map((_, k) => k).filter((k) => k >= i && !taken.has(k));
    if (free[0] !== i || free.length < rule.count) continue;
    const group = free.slice(0, rule.count);
    if (time(entries[group[group.length - 1]]) - time(entries[i]) < windowMs) {
      groups.push(group);
      for (const k of group) taken.add(k);
    }
  }
  return {
    earned: groups.length,
    settle: (issued: number) => {
      const consumed = new Set(groups.slice(0, issued).flat());
      const left = entries.filter((_, k) => !consumed.has(k));
      const current = left.filter((e) => time(e) <= at && time(e) > at - windowMs).length;
      return { state: { entries: left, carried: 0 }, progress: { current, target: rule.count } };
    },
  };
}

// Cumulative over a rolling window: the unconsumed amounts in the window ending at the event.
function windowedSum(
  rule: Extract<Rule, { type: 'cumulative' }>,
  windowDays: number,
  state: ProgressState,
  event: RuleEvent,
  amount: number,
): Earning {
  const at = event.occurredAt.getTime();
  const inWindow = (e: Entry) => time(e) <= at && time(e) > at - windowDays * DAY_MS;
  const entries = pruned(
    withEntry(state.entries, { at: event.occurredAt.toISOString(), amount }),
    windowDays,
  );
  const sum = entries.filter(inWindow).reduce((total, e) => total + e.amount, 0);
  const earned = Math.max(0, Math.floor(sum / rule.target));
  return {
    earned,
    // Rewards consume purchases; refunds (negative entries) stay until they leave the window, so the
    // amount a refund took back must be made up before the next reward.
    settle: (issued) => {
      let toConsume = issued * rule.target;
      const left = entries
        .map((entry) => {
          if (toConsume <= 0 || entry.amount <= 0 || !inWindow(entry)) return entry;
          const used = Math.min(entry.amount, toConsume);
          toConsume -= used;
          return { ...entry, amount: entry.amount - used };
        })
        .filter((entry) => entry.amount !== 0);
      const current = left.filter(inWindow).reduce((total, e) => total + e.amount, 0);
      return { state: { entries: left, carried: 0 }, progress: { current, target: rule.target } };
    },
  };
}

function cumulative(
  rule: Extract<Rule, { type: 'cumulative' }>,
  state: ProgressState,
  event: RuleEvent,
  amount: number,
): Earning {
  if (rule.windowDays) return windowedSum(rule, rule.windowDays, state, event, amount);
  // A refund lowers what is carried, below zero if need be.
  const total = state.carried + amount;
  return {
    earned: Math.max(0, Math.floor(total / rule.target)),
    settle: (issued) => {
      const carried = total - issued * rule.target;
      return { state: { entries: [], carried }, progress: { current: carried, target: rule.target } };
    },
  };
}

export function earn(rule: Rule, state: ProgressState, event: RuleEvent): Earning | RuleRefusal {
  switch (rule.type) {
    case 'each':
    case 'direct':
      return stateless(1);
    case 'threshold': {
      const amount = amountOf(rule, event);
      if (amount === null) return { refused: 'missing_field' };
      return amount >= rule.min ? stateless(1) : { refused: 'below_threshold', value: amount };
    }
    case 'cumulative': {
      const amount = amountOf(rule, event);
      // A negative amount is a refund: it takes back progress not yet rewarded.
      if (amount === null || amount === 0) return { refused: 'missing_field' };
      return cumulative(rule, state, event, amount);
    }
    case 'frequency':
      return frequency(rule, state, event);
  }
}

// Rules that keep progress per member need its row (and its lock).
export const keepsProgress = (rule: Rule) => rule.type === 'cumulative' || rule.type === 'frequency';
