// Owns validating a pending redemption: by a one-time code sent to the member through their delivery
// channel (kept hashed, valid TESSERA_OTP_TTL_SECONDS), or by the member's PIN. A code or PIN is
// compared in constant time; each wrong one is counted and committed, and the last allowed one
// (TESSERA_OTP_MAX_ATTEMPTS) fails the redemption. A right one makes it successful and spends its code.
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import type Boom from '@hapi/boom';
import type { Config } from '../config.ts';
import type { Database, Queryable, Transaction } from '../db/database.ts';
import type { ChannelSender } from '../delivery/channel.ts';
import { sendOneTimeCode } from '../delivery/one-time.ts';
import { domainError } from '../errors.ts';
import { pinMatches } from '../members/pin.ts';
import type { Actor } from '../tenancy/scope.ts';
import { Redemption } from './model.ts';
import { announce, findRedemption } from './service.ts';

const otpHash = (redemptionId: string, otp: string) =>
  createHash('sha256').update(`${redemptionId}:${otp}`).digest('hex');

const sameHash = (a: string, b: string) => timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));

async function pendingFor(db: Queryable, actor: Actor, id: string, method?: 'otp' | 'pin', lock = true) {
  const row = await findRedemption(db, actor.scope, id, lock);
  if (row.status !== 'pending')
    throw domainError(409, 'redemption_not_pending', `The redemption is ${row.status}`, [
      { status: row.status },
    ]);
  if (method && row.validationMethod !== method)
    throw domainError(
      409,
      'wrong_validation_method',
      `The redemption is validated by ${row.validationMethod}`,
    );
  if (!row.memberId) throw domainError(409, 'no_member', 'The redemption names no member to validate');
  return row;
}

export interface SentChallenge {
  redemptionId: string;
  otp: string;
  channel: string;
  expiresAt: Date;
}

// Sends a new one-time code for the pending redemption before anything is written, so that a slow
// provider holds no transaction open; the code counts once keepChallenge has stored its hash.
export async function sendChallenge(
  deps: { db: Database; config: Config; sender: ChannelSender },
  actor: Actor,
  redemptionId: string,
): Promise<SentChallenge> {
  const row = await pendingFor(deps.db, actor, redemptionId, 'otp', false);
  const member = await deps
    .db('members')
    .where({ id: row.memberId as string })
    .first();
  const otp = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const expiresAt = new Date(Date.now() + deps.config.otpTtlSeconds * 1000);
  const sent = await sendOneTimeCode(deps.db, deps.sender, row.tenantId, member, otp);
  if (!sent.ok) throw domainError(409, 'otp_undeliverable', `The code could not be sent: ${sent.reason}`);
  return { redemptionId: row.id, otp, channel: sent.channel, expiresAt };
}

// Stores the sent code's hash (replacing an earlier code) if the redemption is still pending; the code
// itself is never answered.
export async function keepChallenge(trx: Transaction, actor: Actor, sent: SentChallenge) {
  const row = await pendingFor(trx, actor, sent.redemptionId, 'otp');
  await trx('redemptions')
    .where({ id: row.id })
    .update({ otpHash: otpHash(row.id, sent.otp), otpExpiresAt: sent.expiresAt, updatedAt: trx.fn.now() });
  return { redemptionId: row.id, channel: sent.channel, expiresAt: sent.expiresAt };
}

async function settle(trx: Transaction, row: Redemption, status: 'successful' | 'failed', reason?: string) {
  const settled = await Redemption.query(trx).patchAndFetchById(row.id, {
    status,
    failureReason: reason ?? null,
    otpHash: null,
    updatedAt: new Date(),
  });
  if (status === 'successful' && row.codeId)
    await trx('voucherCodes').where({ id: row.codeId }).update({ redeemedAt: trx.fn.now() });
  await announce(trx, settled);
  return settled;
}

export type Verified = { ok: true; redemption: Redemption } | { ok: false; refusal: Boom.Boom };

// The committed outcome of one try: success, or a refusal that the caller commits and then answers.
export async function verify(
  trx: Transaction,
  config: Config,
  actor: Actor,
  redemptionId: string,
  code: string,
): Promise<Verified> {
  const row = await pendingFor(trx, actor, redemptionId);
  if (row.validationMethod !== 'otp' && row.validationMethod !== 'pin')
    throw domainError(
      409,
      'wrong_validation_method',
      `The redemption is validated by ${row.validationMethod}`,
    );
  if (row.validationMethod === 'otp') {
    if (!row.otpHash)
      throw domainError(409, 'otp_not_sent', 'Ask for a code first: POST /v1/redemptions/challenges');
    if (row.otpExpiresAt && row.otpExpiresAt <= new Date())
      return {
        ok: false,
        refusal: domainError(409, 'otp_expired', 'The code has expired; ask for a new one'),
      };
  }
  const right =
    row.validationMethod === 'otp'
      ? sameHash(row.otpHash as string, otpHash(row.id, code))
      : await pinMatches(
          (
            await trx('members')
              .where({ id: row.memberId as string })
              .first('pinHash')
          )?.pinHash,
          code,
        );
  if (right) return { ok: true, redemption: await settle(trx, row, 'successful') };
  const attempts = row.validationAttempts + 1;
  await trx('redemptions').where({ id: row.id }).update({ validationAttempts: attempts });
  const attemptsLeft = config.otpMaxAttempts - attempts;
  if (attemptsLeft > 0) {
    const what = row.validationMethod === 'otp' ? 'code' : 'PIN';
    return {
      ok: false,
      refusal: domainError(409, 'otp_invalid', `The ${what} is wrong`, [{ attemptsLeft }]),
    };
  }
  await settle(trx, row, 'failed', 'otp_attempts_exceeded');
  return {
    ok: false,
    refusal: domainError(409, 'otp_attempts_exceeded', 'Too many wrong tries: the redemption has failed'),
  };
}
