// Owns a member's redemption PIN: set through the API, kept as a salted scrypt hash (never shown or
// logged), and checked in constant time.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { recordAudit } from '../audit/log.ts';
import type { Transaction } from '../db/database.ts';
import { notFound } from '../errors.ts';
import type { Actor } from '../tenancy/scope.ts';

const derive = promisify(scrypt) as (pin: string, salt: Buffer, length: number) => Promise<Buffer>;
const LENGTH = 32;

export async function hashPin(pin: string): Promise<string> {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString('base64')}$${(await derive(pin, salt, LENGTH)).toString('base64')}`;
}

export async function pinMatches(stored: string | null, pin: string): Promise<boolean> {
  const [scheme, salt, hash] = (stored ?? '').split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await derive(pin, Buffer.from(salt, 'base64'), expected.length);
  return timingSafeEqual(expected, actual);
}

export async function setPin(trx: Transaction, actor: Actor, externalRef: string, pin: string) {
  const updated = await trx('members')
    .where({ tenantId: actor.scope.tenantId, externalRef })
    .update({ pinHash: await hashPin(pin), updatedAt: trx.fn.now() })
    .returning('id');
  if (!updated.length) throw notFound('Member');
  await recordAudit(trx, actor, {
    action: 'member.pin_set',
    entityType: 'member',
    entityId: externalRef,
    summary: `PIN set for ${externalRef}`,
  });
}
