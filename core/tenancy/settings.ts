// Owns a tenant's settings: each section's defaults, reading them, and audited changes that replace the
// keys given and keep the rest. Uploads' maker-checker is the first; delivery and partners add theirs.
import Joi from 'joi';
import { recordAudit } from '../audit/log.ts';
import type { Queryable, Transaction } from '../db/database.ts';
import type { Actor } from './scope.ts';

export type Priority = 'P1' | 'P2' | 'P3' | 'P4';

export type Channel = 'sms' | 'email' | 'whatsapp';

export interface Settings {
  uploads: { makerChecker: boolean };
  delivery: { channels: Channel[] };
  complaints: { slaMinutes: Record<Priority, number> };
  redemptions: { retentionDays: number };
}

const DEFAULTS: Settings = {
  uploads: { makerChecker: false },
  delivery: { channels: ['sms', 'email', 'whatsapp'] },
  complaints: { slaMinutes: { P1: 60, P2: 120, P3: 720, P4: 1440 } },
  redemptions: { retentionDays: 730 },
};

const minutes = Joi.number().integer().min(1).max(525_600);

export const settingsChange = Joi.object({
  uploads: Joi.object({
    makerChecker: Joi.boolean().description(
      'an upload must be approved by another key than the one that sent it',
    ),
  }),
  delivery: Joi.object({
    channels: Joi.array()
      .items(Joi.string().valid('sms', 'email', 'whatsapp'))
      .min(1)
      .unique()
      .description("the order rewards try the channels in, after the member's and the campaign's"),
  }),
  complaints: Joi.object({
    slaMinutes: Joi.object({ P1: minutes, P2: minutes, P3: minutes, P4: minutes }).description(
      'minutes to resolve a complaint, by priority',
    ),
  }),
  redemptions: Joi.object({
    retentionDays: Joi.number()
      .integer()
      .min(1)
      .max(36_500)
      .description("days a redemption keeps its member's details; its counts stay in the daily aggregates"),
  }),
})
  .min(1)
  .label('SettingsChange');

export const settingsAnswer = Joi.object({
  uploads: Joi.object({ makerChecker: Joi.boolean().required() }).required(),
  delivery: Joi.object({ channels: Joi.array().items(Joi.string()).required() }).required(),
  complaints: Joi.object({
    slaMinutes: Joi.object()
      .pattern(/^P[1-4]$/, Joi.number())
      .required(),
  }).required(),
  redemptions: Joi.object({ retentionDays: Joi.number().integer().required() }).required(),
}).label('Settings');

type Stored = Record<string, unknown>;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// `change` laid over `base`, key by key at every depth: a change of one priority keeps the others.
function overlaid(base: Record<string, unknown>, change: Record<string, unknown>): Record<string, unknown> {
  const result = { ...base };
  for (const [key, value] of Object.entries(change))
    result[key] = isObject(value) && isObject(base[key]) ? overlaid(base[key], value) : value;
  return result;
}

const merged = (stored: Stored) => overlaid(DEFAULTS as unknown as Stored, stored) as unknown as Settings;

export async function readSettings(db: Queryable, tenantId: string): Promise<Settings> {
  const row = await db('tenants').where({ id: tenantId }).first('settings');
  return merged((row?.settings ?? {}) as Stored);
}

export async function changeSettings(trx: Transaction, actor: Actor, change: Stored): Promise<Settings> {
  const row = await trx('tenants').where({ id: actor.scope.tenantId }).forUpdate().first('settings');
  const next = overlaid((row?.settings ?? {}) as Stored, change);
  await trx('tenants')
    .where({ id: actor.scope.tenantId })
    .update({ settings: JSON.stringify(next) });
  await recordAudit(trx, actor, {
    action: 'settings.changed',
    entityType: 'tenant',
    entityId: actor.scope.tenantId,
    summary: `Settings changed: ${Object.keys(change).join(', ')}`,
  });
  return merged(next);
}
