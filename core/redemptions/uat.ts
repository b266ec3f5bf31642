// Owns a partner's UAT runs: its redemption flow run end to end in sandbox mode (a sandbox member, a test
// issuance of one of its offers, a redemption with the chosen validation method, for a one-time code or
// PIN that check too, and the check that the code is now spent), each step's result recorded. The sandbox is a savepoint rolled back at the end:
// what the run made, its events included, never reaches lists, stats, exports, webhooks or the live
// feed, and no code leaves the offer's stock. Only the run and its steps are kept.
import { randomBytes, randomInt } from 'node:crypto';
import Joi from 'joi';
import { recordAudit } from '../audit/log.ts';
import { Offer, UatRun, type UatStep } from '../catalog/model.ts';
import { findPartner } from '../catalog/partners.ts';
import type { Config } from '../config.ts';
import type { Queryable, Transaction } from '../db/database.ts';
import { domainError } from '../errors.ts';
import { issue } from '../issuance/service.ts';
import { hashPin } from '../members/pin.ts';
import type { Actor, Scope } from '../tenancy/scope.ts';
import type { ValidationMethod } from './model.ts';
import { recordRedemption } from './service.ts';
import { keepChallenge, verify } from './validation.ts';

export const uatInput = Joi.object({
  offerId: Joi.string().guid().description("one of the partner's offers; by default its first with terms"),
  validationMethod: Joi.string().valid('otp', 'pin', 'qr', 'code', 'none').default('code'),
})
  .allow(null)
  .label('UatRunInput');

export const uatAnswer = Joi.object({
  id: Joi.string().guid().required(),
  partnerId: Joi.string().guid().required(),
  offerId: Joi.string().guid().allow(null).required(),
  passed: Joi.boolean().required(),
  steps: Joi.array()
    .items(
      Joi.object({
        step: Joi.string(),
        ok: Joi.boolean(),
        detail: Joi.string(),
        sandbox: Joi.boolean(),
      }).label('UatStep'),
    )
    .required(),
  createdAt: Joi.date().required(),
}).label('UatRun');

export const presentUatRun = (row: UatRun) => {
  const { tenantId: _t, ...shown } = row.toJSON() as UatRun;
  return shown;
};

class Rollback extends Error {}

const firstDenomination = (offer: Offer) =>
  'fixed' in offer.denominations ? offer.denominations.fixed[0] : offer.denominations.min;

// The flow, step by step, inside the sandbox; the first step that fails ends it.
async function flow(
  sandbox: Transaction,
  config: Config,
  actor: Actor,
  offer: Offer,
  method: ValidationMethod,
) {
  const steps: Array<UatStep & { sandbox: true }> = [];
  const step = async <T>(name: string, work: () => Promise<{ value: T; detail: string }>) => {
    try {
      const { value, detail } = await work();
      steps.push({ step: name, ok: true, detail, sandbox: true });
      return value;
    } catch (error) {
      steps.push({ step: name, ok: false, detail: (error as Error).message, sandbox: true });
      throw new Rollback();
    }
  };
  const { tenantId } = actor.scope;
  try {
    // Inside the sandbox only, the partner counts as live and its rules let the sandbox member in: the run
    // tests the redemption flow, and eligibility has its own gate.
    await sandbox('partners').where({ id: offer.partnerId }).update({ stage: 'live', eligibility: null });
    await sandbox('offers').where({ id: offer.id }).update({ eligibility: null });
    const member = await step('sandbox_member', async () => {
      const ref = `uat-${randomBytes(6).toString('hex')}`;
      const [row] = await sandbox('members')
        .insert({ tenantId, externalRef: ref, name: 'UAT member', tier: 'uat' })
        .returning(['id', 'externalRef']);
      return { value: row as { id: string; externalRef: string }, detail: `member ${ref}` };
    });
    const code = await step('issuance', async () => {
      const denomination = firstDenomination(offer);
      const [campaign] = await sandbox('campaigns')
        .insert({
          tenantId,
          name: `UAT ${offer.name}`,
          status: 'active',
          startsAt: new Date(Date.now() - 60_000),
          endsAt: new Date(Date.now() + 60_000),
          eventType: 'uat.run',
          rule: JSON.stringify({ type: 'direct' }),
          reward: JSON.stringify({ type: 'voucher', offerId: offer.id, denomination }),
          rewardCost: denomination,
          approval: 'auto',
        })
        .returning('*');
      const issued = await issue(sandbox, { campaign, member, origin: 'api', reason: 'UAT' });
      if (!issued.ok) throw new Error(`the issuance was refused: ${issued.refusal}`);
      const voucher = issued.issuance as {
        status: string;
        failureReason: string | null;
        voucherCode?: string | null;
      };
      if (!voucher.voucherCode) throw new Error(`the issuance ${voucher.status}: ${voucher.failureReason}`);
      return {
        value: voucher.voucherCode,
        detail: `a ${denomination} voucher with code …${voucher.voucherCode.slice(-4)}`,
      };
    });
    const checked = method === 'otp' || method === 'pin';
    const redemption = await step('redemption', async () => {
      const row = await recordRedemption(sandbox, actor, {
        offerId: offer.id,
        code,
        channel: 'online',
        validationMethod: method,
        status: checked ? 'pending' : 'successful',
      });
      return { value: row, detail: `recorded online, ${checked ? 'pending its' : 'validated by'} ${method}` };
    });
    // A one-time code or PIN is checked as a partner's would be; the code is stored, not sent: the
    // sandbox member has no address.
    if (checked)
      await step('validation', async () => {
        const secret = String(randomInt(0, 1_000_000)).padStart(6, '0');
        if (method === 'pin')
          await sandbox('members')
            .where({ id: member.id })
            .update({ pinHash: await hashPin(secret) });
        else
          await keepChallenge(sandbox, actor, {
            redemptionId: redemption.id,
            otp: secret,
            channel: 'sandbox',
            expiresAt: new Date(Date.now() + 60_000),
          });
        const verified = await verify(sandbox, config, actor, redemption.id, secret);
        if (!verified.ok) throw new Error(verified.refusal.message);
        return { value: null, detail: `the ${method === 'pin' ? 'PIN' : 'one-time code'} was accepted` };
      });
    await step('fulfilment', async () => {
      const again = await sandbox
        .transaction((inner) =>
          recordRedemption(inner, actor, {
            offerId: offer.id,
            code,
            channel: 'online',
            validationMethod: method,
            status: 'successful',
          }),
        )
        .then(
          () => null,
          (error) => (error as { data?: { code?: string } }).data?.code,
        );
      if (again !== 'code_not_redeemable') throw new Error('a second redemption of the code was not refused');
      return { value: null, detail: 'the code is spent: a second redemption is refused' };
    });
  } catch (error) {
    if (!(error instanceof Rollback))
      steps.push({ step: 'run', ok: false, detail: (error as Error).message, sandbox: true });
  }
  return steps;
}

export async function runUat(
  trx: Transaction,
  config: Config,
  actor: Actor,
  partnerId: string,
  input: { offerId?: string; validationMethod?: ValidationMethod },
) {
  const partner = await findPartner(trx, actor.scope, partnerId);
  const offer = await Offer.query(trx)
    .where({ partnerId, tenantId: actor.scope.tenantId })
    .modify((q) => input.offerId && q.where({ id: input.offerId }))
    .orderBy('createdAt')
    .first();
  if (!offer) throw domainError(409, 'no_offer', 'The partner has no offer to run UAT with');
  const method = input.validationMethod ?? 'code';
  let steps: UatStep[] = [];
  await trx
    .transaction(async (sandbox) => {
      steps = await flow(sandbox, config, actor, offer, method);
      throw new Rollback();
    })
    .catch((error) => {
      if (!(error instanceof Rollback)) throw error;
    });
  const complete = method === 'otp' || method === 'pin' ? 5 : 4;
  const passed = steps.length === complete && steps.every((s) => s.ok);
  const run = await UatRun.query(trx)
    .insert({ tenantId: actor.scope.tenantId, partnerId, offerId: offer.id, passed, steps })
    .returning('*');
  await recordAudit(trx, actor, {
    action: 'partner.uat_run',
    entityType: 'partner',
    entityId: partnerId,
    summary: `UAT of "${partner.name}" with "${offer.name}": ${passed ? 'passed' : 'failed'}`,
  });
  return run;
}

export async function listUatRuns(db: Queryable, scope: Scope, partnerId: string) {
  await findPartner(db, scope, partnerId);
  const rows = await UatRun.query(db).where({ partnerId }).orderBy('createdAt', 'desc');
  return { data: rows.map(presentUatRun) };
}
