// Owns a tenant's settings: each section's defaults, reading them, and audited changes that replace the
// keys given and keep the rest. Uploads' maker-checker is the first; delivery and partners add theirs.
import Joi from 'joi';
import { recordAudit } from '../audit/log.ts';
import type { Queryable, Transaction } from '../db/database.ts';
import type { Actor } from './scope.ts';

export interface Settings {
  uploads: { makerChecker: boolean };
}

const DEFAULTS: Settings = { uploads: { makerChecker: false } };

export const settingsChange = Joi.object({
  uploads: Joi.object({
    makerChecker: Joi.boolean().description(
      'an upload must be approved by another key than the one that sent it',
    ),
  }),
})
  .min(1)
  .label('SettingsChange');

export const settingsAnswer = Joi.object({
  uploads: Joi.object({ makerChecker: Joi.boolean().required() }).required(),
}).label('Settings');

type Stored = { [K in keyof Settings]?: Partial<Settings[K]> };

function merged(stored: Stored): Settings {
  return Object.fromEntries(
    Object.entries(DEFAULTS).map(([section, values]) => [
      section,
      { ...values, ...stored[section as keyof Settings] },
    ]),
  ) as unknown as Settings;
}

export async function readSettings(db: Queryable, tenantId: string): Promise<Settings> {
  const row = await db('tenants').where({ id: tenantId }).first('settings');
  return merged((row?.settings ?? {}) as Stored);
}

export async function changeSettings(trx: Transaction, actor: Actor, change: Stored): Promise<Settings> {
  const row = await trx('tenants').where({ id: actor.scope.tenantId }).forUpdate().first('settings');
  const stored = (row?.settings ?? {}) as Stored;
  const next: Stored = { ...stored };
  for (const [section, values] of Object.entries(change) as Array<[keyof Settings, object]>)
    next[section] = { ...stored[section], ...values } as never;
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
