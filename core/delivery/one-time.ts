// Owns sending a one-time code (template kind `otp`) to a member at once, on the first channel of their
// order that the tenant has a provider for: the tenant's template for the channel and locale, or
// Tessera's English one for SMS and email. Answers the channel used, or why it could not be sent.
import type { Database } from '../db/database.ts';
import type { Channel } from '../tenancy/settings.ts';
import type { ChannelSender, OutgoingMessage } from './channel.ts';
import { addressOf, channelOrder, type Recipient } from './channels.ts';
import { readTenantDelivery } from './compose.ts';
import { localesFor, render } from './templates.ts';

const DEFAULTS = {
  sms: { subject: '', body: 'Your one-time code is {{otp}}. Do not share it.' },
  email: { subject: 'Your one-time code', body: '<p>Your one-time code is <strong>{{otp}}</strong>.</p>' },
};

export type OneTimeSend = { ok: true; channel: Channel } | { ok: false; reason: string };

export async function sendOneTimeCode(
  db: Database,
  sender: ChannelSender,
  tenantId: string,
  member: Recipient & { locale: string | null },
  otp: string,
): Promise<OneTimeSend> {
  const tenant = await readTenantDelivery(db, tenantId, 'otp');
  const channel = channelOrder(member, null, tenant.channels).find((c) => tenant.providers.has(c));
  if (!channel) return { ok: false, reason: 'The member has no address on a channel with a provider' };
  const to = addressOf(member, channel) as string;
  const saved = localesFor(member.locale)
    .map((locale) => tenant.templates.find((t) => t.channel === channel && t.locale === locale))
    .find(Boolean);
  let message: OutgoingMessage;
  if (channel === 'whatsapp') {
    if (!saved?.whatsappName)
      return { ok: false, reason: 'No approved WhatsApp template for one-time codes' };
    message = {
      to,
      text: otp,
      whatsapp: { name: saved.whatsappName, language: saved.whatsappLanguage ?? 'en', parameters: [otp] },
    };
  } else {
    const template = saved ?? DEFAULTS[channel];
    const text = render(template.body ?? '', { otp }, false).replace(/<[^>]+>/g, '');
    message =
      channel === 'sms'
        ? { to, text }
        : {
            to,
            subject: render(template.subject ?? '', { otp }, false),
            html: render(template.body ?? '', { otp }, true),
            text,
          };
  }
  const sent = await sender(tenant.providers.get(channel) as string, message);
  return sent.ok ? { ok: true, channel } : { ok: false, reason: sent.reason };
}
