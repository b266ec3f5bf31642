// Owns what a claimed delivery sends next: the first channel in the member's order that the tenant has a
// provider for and this delivery has not yet failed on, its address, and the message rendered from the
// tenant's template for the channel, kind and member's locale (or Tessera's own English one for SMS and
// email; WhatsApp needs an approved template of the tenant's).
import type { Database } from '../db/database.ts';
import type { Channel } from '../tenancy/settings.ts';
import { readSettings } from '../tenancy/settings.ts';
import type { OutgoingMessage } from './channel.ts';
import { addressOf, channelOrder } from './channels.ts';
import type { ClaimedDelivery } from './queue.ts';
import {
  localesFor,
  render,
  Template,
  type TemplateKind,
  type Variable,
  WHATSAPP_PARAMETERS,
} from './templates.ts';

// What delivery needs of a tenant: its channel order, its active provider of each channel, its
// templates. Read once per tenant every few seconds by each dispatcher.
export interface TenantDelivery {
  channels: Channel[];
  providers: Map<Channel, string>;
  templates: Template[];
}

export async function readTenantDelivery(
  db: Database,
  tenantId: string,
  kinds: TemplateKind | 'rewards' = 'rewards',
): Promise<TenantDelivery> {
  const [settings, providers, templates] = await Promise.all([
    readSettings(db, tenantId),
    db('connections').where({ tenantId, status: 'active' }).whereNotNull('channel').select('id', 'channel'),
    Template.query(db)
      .where({ tenantId })
      .whereIn('kind', kinds === 'rewards' ? ['points', 'voucher'] : [kinds]),
  ]);
  return {
    channels: settings.delivery.channels,
    providers: new Map(providers.map((row: { id: string; channel: Channel }) => [row.channel, row.id])),
    templates,
  };
}

const DEFAULTS: Record<'sms' | 'email', Record<'points' | 'voucher', { subject: string; body: string }>> = {
  sms: {
    points: { subject: '', body: 'Hi {{name}}, {{campaign}} rewarded you {{points}} points.' },
    voucher: {
      subject: '',
      body: 'Hi {{name}}, your {{reward}} voucher from {{campaign}}: {{code}}{{#expiry}} (valid until {{expiry}}){{/expiry}}',
    },
  },
  email: {
    points: {
      subject: 'Your {{points}} points from {{campaign}}',
      body: '<p>Hi {{name}},</p><p>{{campaign}} rewarded you {{points}} points.</p>',
    },
    voucher: {
      subject: 'Your {{reward}} voucher from {{campaign}}',
      body:
        '<p>Hi {{name}},</p><p>Your {{reward}} voucher code is <strong>{{code}}</strong>.' +
        '{{#expiry}} It is valid until {{expiry}}.{{/expiry}}</p>',
    },
  },
};

function valuesOf(delivery: ClaimedDelivery): Partial<Record<Variable, string | number>> {
  const { reward, voucher } = delivery;
  return {
    name: delivery.member.name ?? '',
    campaign: delivery.campaignName,
    partner: delivery.partnerName ?? '',
    ...(reward.type === 'points'
      ? { points: reward.amount, reward: `${reward.amount} points` }
      : {
          reward: `${voucher?.currency ?? ''} ${reward.denomination} ${voucher?.offerName ?? ''}`.trim(),
          code: voucher?.code ?? '',
          expiry: voucher?.expiresAt ? voucher.expiresAt.toISOString().slice(0, 10) : '',
        }),
  };
}

function templateOf(tenant: TenantDelivery, delivery: ClaimedDelivery, channel: Channel) {
  const locales = localesFor(delivery.member.locale);
  const mine = tenant.templates.filter((t) => t.channel === channel && t.kind === delivery.kind);
  return locales.map((locale) => mine.find((t) => t.locale === locale)).find(Boolean);
}

function messageOf(
  tenant: TenantDelivery,
  delivery: ClaimedDelivery,
  channel: Channel,
  to: string,
): OutgoingMessage | null {
  const values = valuesOf(delivery);
  const saved = templateOf(tenant, delivery, channel);
  if (channel === 'whatsapp') {
    if (!saved?.whatsappName) return null;
    const names = saved.whatsappParameters ?? WHATSAPP_PARAMETERS[delivery.kind];
    const parameters = (names as Variable[]).map((name) => String(values[name] ?? '-') || '-');
    const whatsapp = { name: saved.whatsappName, language: saved.whatsappLanguage ?? 'en', parameters };
    return { to, text: parameters.join(' '), whatsapp };
  }
  const template = saved ?? DEFAULTS[channel][delivery.kind];
  const body = render(template.body ?? '', values, channel === 'email');
  if (channel === 'sms') return { to, text: body };
  const text = render(template.body ?? '', values, false)
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ');
  return { to, subject: render(template.subject ?? '', values, false), html: body, text: text.trim() };
}

export type NextSend =
  | { kind: 'send'; channel: Channel; connectionId: string; address: string; message: OutgoingMessage }
  | { kind: 'no_template'; channel: Channel; connectionId: string; address: string }
  | { kind: 'none' };

export function nextSend(tenant: TenantDelivery, delivery: ClaimedDelivery): NextSend {
  const order = channelOrder(delivery.member, delivery.campaignChannels, tenant.channels).filter(
    (channel) => tenant.providers.has(channel) && !delivery.tried.includes(channel),
  );
  const channel = order[0];
  if (!channel) return { kind: 'none' };
  const connectionId = tenant.providers.get(channel) as string;
  const address = addressOf(delivery.member, channel) as string;
  const message = messageOf(tenant, delivery, channel, address);
  if (!message) return { kind: 'no_template', channel, connectionId, address };
  return { kind: 'send', channel, connectionId, address, message };
}
