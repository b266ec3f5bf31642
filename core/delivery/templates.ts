// Owns message templates: one per channel, locale and kind (`points`, `voucher`, `otp`), written with
// Mustache (logic-less: a template can show values, never run code), checked when saved, and chosen for
// a member's locale with fallbacks (`pt-BR`, then `pt`, then `en`).
import Joi from 'joi';
import Mustache from 'mustache';
import { recordAudit } from '../audit/log.ts';
import type { Queryable, Transaction } from '../db/database.ts';
import { domainError } from '../errors.ts';
import { locale } from '../members/schema.ts';
import { TenantRow } from '../tenancy/model.ts';
import type { Actor, Scope } from '../tenancy/scope.ts';

export type Channel = 'sms' | 'email' | 'whatsapp';
export type TemplateKind = 'points' | 'voucher' | 'otp';

export class Template extends TenantRow {
  static override tableName = 'templates';
  declare id: string;
  declare channel: Channel;
  declare locale: string;
  declare kind: TemplateKind;
  declare subject: string | null;
  declare body: string | null;
  declare whatsappName: string | null;
  declare whatsappLanguage: string | null;
  declare whatsappParameters: string[] | null;
  declare createdAt: Date;
  declare updatedAt: Date;
}

// What a template may show.
export const VARIABLES = [
  'name',
  'reward',
  'points',
  'code',
  'expiry',
  'campaign',
  'partner',
  'otp',
] as const;
export type Variable = (typeof VARIABLES)[number];

// What an approved WhatsApp template of each kind takes, in order, unless it names its own.
export const WHATSAPP_PARAMETERS: Record<TemplateKind, Variable[]> = {
  points: ['name', 'points', 'campaign'],
  voucher: ['name', 'reward', 'code', 'expiry'],
  otp: ['otp'],
};

export const templateInput = Joi.object({
  channel: Joi.string().valid('sms', 'email', 'whatsapp').required(),
  locale: locale.default('en'),
  kind: Joi.string().valid('points', 'voucher', 'otp').required(),
  subject: Joi.string()
    .max(200)
    .when('channel', { is: 'email', then: Joi.required(), otherwise: Joi.forbidden() }),
  body: Joi.string()
    .max(4000)
    .when('channel', { is: 'whatsapp', then: Joi.forbidden(), otherwise: Joi.required() }),
  whatsapp: Joi.object({
    name: Joi.string()
      .pattern(/^[a-z0-9_]{1,512}$/)
      .required(),
    language: Joi.string().max(15).required(),
    parameters: Joi.array()
      .items(Joi.string().valid(...VARIABLES))
      .max(10)
      .description("the values the template's body parameters take, in order; by default those of its kind"),
  }).when('channel', { is: 'whatsapp', then: Joi.required(), otherwise: Joi.forbidden() }),
}).label('TemplateInput');

export interface TemplateInput {
  channel: Channel;
  locale: string;
  kind: TemplateKind;
  subject?: string;
  body?: string;
  whatsapp?: { name: string; language: string; parameters?: Variable[] };
}

export function presentTemplate(row: Template) {
  return {
    id: row.id,
    channel: row.channel,
    locale: row.locale,
    kind: row.kind,
    subject: row.subject,
    body: row.body,
    whatsapp: row.whatsappName
      ? {
          name: row.whatsappName,
          language: row.whatsappLanguage,
          parameters: row.whatsappParameters ?? WHATSAPP_PARAMETERS[row.kind],
        }
      : null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

// A template that does not parse, or names a value Tessera does not have, is refused when saved.
function checked(field: 'subject' | 'body', text: string | undefined) {
  if (text === undefined) return;
  let tokens: unknown[];
  try {
    tokens = Mustache.parse(text);
  } catch (error) {
    throw domainError(400, 'template_invalid', `The ${field} does not parse: ${(error as Error).message}`);
  }
  const names = tokens.flatMap(function namesOf(token): string[] {
    const [kind, name, , , children] = token as [string, string, number, number, unknown[]?];
    return [...(kind === 'text' ? [] : [name]), ...(children ?? []).flatMap(namesOf)];
  });
  const unknown = names.filter((name) => !(VARIABLES as readonly string[]).includes(name));
  if (unknown.length)
    throw domainError(
      400,
      'template_invalid',
      `The ${field} names ${unknown.join(', ')}; it may use ${VARIABLES.join(', ')}`,
    );
}

// Creates the template of this channel, locale and kind, or replaces it; audited.
export async function saveTemplate(trx: Transaction, actor: Actor, input: TemplateInput) {
  checked('subject', input.subject);
  checked('body', input.body);
  const fields = {
    subject: input.subject ?? null,
    body: input.body ?? null,
    whatsappName: input.whatsapp?.name ?? null,
    whatsappLanguage: input.whatsapp?.language ?? null,
    whatsappParameters: input.whatsapp?.parameters ?? null,
  };
  const key = {
    tenantId: actor.scope.tenantId,
    channel: input.channel,
    locale: input.locale,
    kind: input.kind,
  };
  const existing = await Template.query(trx).findOne(key).forUpdate();
  const row = existing
    ? await existing.$query(trx).patchAndFetch({ ...fields, updatedAt: new Date() })
    : await Template.query(trx)
        .insert({ ...key, ...fields })
        .returning('*');
  await recordAudit(trx, actor, {
    action: existing ? 'template.changed' : 'template.created',
    entityType: 'template',
    entityId: row.id,
    summary: `${input.channel} ${input.kind} template (${input.locale})`,
  });
  return { row, created: !existing };
}

export async function listTemplates(
  db: Queryable,
  scope: Scope,
  query: { channel?: Channel; locale?: string; kind?: TemplateKind },
) {
  const rows = await Template.query(db)
    .where({ tenantId: scope.tenantId })
    .modify((q) => {
      if (query.channel) q.where({ channel: query.channel });
      if (query.locale) q.where({ locale: query.locale });
      if (query.kind) q.where({ kind: query.kind });
    })
    .orderBy(['channel', 'kind', 'locale']);
  return { data: rows.map(presentTemplate) };
}

// The member's locale, its language, then English.
export const localesFor = (memberLocale: string | null | undefined) => [
  ...new Set([memberLocale, memberLocale?.split('-')[0], 'en'].filter((l): l is string => Boolean(l))),
];

export async function templateFor(
  db: Queryable,
  tenantId: string,
  wanted: { channel: Channel; kind: TemplateKind; locale?: string | null },
): Promise<Template | undefined> {
  const locales = localesFor(wanted.locale);
  const rows = await Template.query(db)
    .where({ tenantId, channel: wanted.channel, kind: wanted.kind })
    .whereIn('locale', locales);
  return locales.map((l) => rows.find((row) => row.locale === l)).find(Boolean);
}

// An email body is HTML: values in it are escaped. An SMS is plain text: they are shown as they are.
export const render = (text: string, values: Partial<Record<Variable, string | number>>, html: boolean) =>
  Mustache.render(text, values, {}, html ? undefined : { escape: (value: string) => value });
