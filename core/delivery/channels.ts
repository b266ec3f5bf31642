// Owns which channels a reward's message tries, in order: the member's preferred channel, then the
// campaign's order, then the tenant's, skipping a channel the member has no address for or opted out of.
import type { Channel } from '../tenancy/settings.ts';

export interface Recipient {
  email: string | null;
  phone: string | null;
  whatsapp: string | null;
  preferredChannel: Channel | null;
  optOuts: Channel[];
}

// Where a channel reaches the member: WhatsApp uses the phone number when no WhatsApp number is given.
export function addressOf(member: Recipient, channel: Channel): string | null {
  if (channel === 'email') return member.email;
  if (channel === 'sms') return member.phone;
  return member.whatsapp ?? member.phone;
}

export function channelOrder(
  member: Recipient,
  campaignChannels: Channel[] | null | undefined,
  tenantChannels: Channel[],
): Channel[] {
  const wanted = [member.preferredChannel, ...(campaignChannels ?? []), ...tenantChannels];
  return [...new Set(wanted)].filter(
    (channel): channel is Channel =>
      channel !== null && !member.optOuts.includes(channel) && addressOf(member, channel) !== null,
  );
}
