// Owns the live feed's channels (which event types each carries) and whether an event reaches a
// subscription: its tenant, its channels and filters, and a partner's own events only.
export const CHANNELS = {
  ledger: ['ledger.'],
  issuances: ['issuance.'],
  redemptions: ['ledger.reserved', 'ledger.confirmed', 'ledger.released', 'ledger.debited', 'redemption.'],
  deliveries: ['delivery.'],
  campaigns: ['campaign.'],
} as const;

export type Channel = keyof typeof CHANNELS;
export const CHANNEL_NAMES = Object.keys(CHANNELS) as Channel[];

export interface LiveEvent {
  tenantId: string;
  cursor: string;
  event: { id: string; type: string; createdAt: string; data: Record<string, unknown> };
}

export interface Filter {
  memberRef?: string;
  campaignId?: string;
  partnerId?: string;
}

export interface Subscription {
  tenantId: string;
  channels: Channel[];
  filter: Filter;
}

const inChannel = (type: string, channel: Channel) =>
  CHANNELS[channel].some((prefix) => (prefix.endsWith('.') ? type.startsWith(prefix) : type === prefix));

// The types to ask the outbox for when replaying: `a.*` for prefixes, exact names otherwise.
export function typesOf(channels: Channel[]): string[] {
  return [...new Set(channels.flatMap((c) => CHANNELS[c].map((p) => (p.endsWith('.') ? `${p}*` : p))))];
}

export function reaches(subscription: Subscription, live: LiveEvent): boolean {
  if (live.tenantId !== subscription.tenantId) return false;
  if (!subscription.channels.some((channel) => inChannel(live.event.type, channel))) return false;
  const { data } = live.event;
  const { memberRef, campaignId, partnerId } = subscription.filter;
  if (memberRef !== undefined && data.memberRef !== memberRef) return false;
  if (campaignId !== undefined && data.campaignId !== campaignId) return false;
  return partnerId === undefined || data.partnerId === partnerId;
}

// Cursors are `<transaction id>_<event id>`; their order is the commit-safe order of the outbox.
export function cursorAfter(a: string, b: string | null): boolean {
  if (b === null) return true;
  const [ta, ia] = a.split('_').map(BigInt);
  const [tb, ib] = b.split('_').map(BigInt);
  return ta > tb || (ta === tb && ia > ib);
}
