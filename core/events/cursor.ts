// Owns the outbox cursor: `<transaction id>_<event id>`, the commit-safe position of an event. Readers
// resume after a cursor; its order is the order events became visible, not the order ids were taken.
export interface EventCursor {
  // The writing transaction's id (xid8), as text: it may pass 2^53.
  tx: string;
  id: number;
}

export const START: EventCursor = { tx: '0', id: 0 };

const MAX_TX = 2n ** 64n - 1n;
const MAX_ID = 2n ** 63n - 1n;

// A cursor this outbox could have given, or null: both parts within their columns' range.
export function parseCursor(text: string): EventCursor | null {
  const match = /^(\d{1,20})_(\d{1,19})$/.exec(text);
  if (!match || BigInt(match[1]) > MAX_TX || BigInt(match[2]) > MAX_ID) return null;
  return { tx: BigInt(match[1]).toString(), id: Number(match[2]) };
}

export const formatCursor = (cursor: EventCursor) => `${cursor.tx}_${cursor.id}`;

// Whether `a` comes after `b` (anything comes after no cursor at all).
export function cursorAfter(a: EventCursor, b: EventCursor | null): boolean {
  if (b === null) return true;
  const [ta, tb] = [BigInt(a.tx), BigInt(b.tx)];
  return ta > tb || (ta === tb && a.id > b.id);
}
