// Owns the live feed's channels (which event types each carries) and whether an event reaches a
// subscription: its tenant, its channels and filters, and a partner's own events only.
import type { EventCursor } from '../events/cursor.ts';
import { typeMatches } from '../events/types.ts';

export const CHANNELS = {
  ledger: ['ledger.*'],
  issuances: ['issuance.*'],
  redemptions: [
    'ledger.reserved',
    'ledger.confirmed',
    'ledger.released',
    'ledger.debited',
    'redemption.*',
    'order.*',
  ],
  deliveries: ['delivery.*'],
  campaigns: ['campaign.*'],
  // Background jobs: connector runs and bulk uploads.
  jobs: ['connector_run.*', 'upload.*'],
} as const;

export type Channel = keyof typeof CHANNELS;
export const CHANNEL_NAMES = Object.keys(CHANNELS) as Channel[];

export interface LiveEvent {
  tenantId: string;
  // The event's outbox position; clients see it formatted as their resume cursor.
  position: EventCursor;
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

// The event-type patterns a channel carries.
export function typesOf(channels: Channel[]): string[] {
  return [...new Set(channels.flatMap((c) => CHANNELS[c]))];
}

const inChannel = (type: string, channel: Channel) => typeMatches(CHANNELS[channel], type);

export function reaches(subscription: Subscription, live: LiveEvent): boolean {
  if (live.tenantId !== subscription.tenantId) return false;
  if (!subscription.channels.some((channel) => inChannel(live.event.type, channel))) return false;
  const { data } = live.event;
  const { memberRef, campaignId, partnerId } = subscription.filter;
  if (memberRef !== undefined && data.memberRef !== memberRef) return false;
  if (campaignId !== undefined && data.campaignId !== campaignId) return false;
  return partnerId === undefined || data.partnerId === partnerId;
}
