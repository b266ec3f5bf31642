// Owns a partner's onboarding: its stages as a transition table (profiling → offer_setup → eligibility →
// uat → live, and live ⇄ suspended), the gates each stage needs passed (a complete profile; an offer
// with denominations, expiry and terms; eligibility rules; a passing UAT run), four eyes on going live,
// and the partner's first API key, answered once when it first goes live.
import { recordAudit } from '../audit/log.ts';
import type { Queryable, Transaction } from '../db/database.ts';
import { domainError } from '../errors.ts';
import { recordEvent } from '../events/outbox.ts';
import type { Actor } from '../tenancy/scope.ts';
import { createKey } from '../tenancy/service.ts';
import { Offer, OfferTerms, type Partner, type PartnerStage, UatRun } from './model.ts';
import { findPartner, presentPartner } from './partners.ts';

export const TRANSITIONS: Record<PartnerStage, PartnerStage[]> = {
  profiling: ['offer_setup'],
  offer_setup: ['eligibility'],
  eligibility: ['uat'],
  uat: ['live'],
  live: ['suspended'],
  suspended: ['live'],
};

// The onboarding stages in order: reaching one needs the gates of every stage before it.
const ORDER: PartnerStage[] = ['profiling', 'offer_setup', 'eligibility', 'uat', 'live'];

interface Gate {
  gate: string;
  message: string;
}

const profileComplete = (partner: Partner) => {
  const { category, geographies, rewardTypes, audience } = partner.profile;
  return Boolean(category && geographies?.length && rewardTypes?.length && audience);
};

// An offer is set up when it has denominations, an expiry and at least one version of terms.
async function offerSetUp(db: Queryable, partnerId: string): Promise<boolean> {
  const ready = await Offer.query(db)
    .where({ partnerId })
    .whereNotNull('expiryDays')
    .whereExists(OfferTerms.query(db).whereColumn('offer_terms.offer_id', 'offers.id'))
    .select('id')
    .first();
  return Boolean(ready);
}

async function uatPassed(db: Queryable, partnerId: string): Promise<boolean> {
  const last = await UatRun.query(db)
    .where({ partnerId })
    .orderBy('createdAt', 'desc')
    .select('passed')
    .first();
  return last?.passed === true;
}

// What stands between the partner and `target`: one entry per unmet gate.
export async function unmetGates(db: Queryable, partner: Partner, target: PartnerStage): Promise<Gate[]> {
  const reach = ORDER.indexOf(target);
  const gates: Array<[number, string, string, () => Promise<boolean> | boolean]> = [
    [
      1,
      'profile',
      'the profile needs a category, geographies, reward types and an audience',
      () => profileComplete(partner),
    ],
    [
      2,
      'offer',
      'an offer needs denominations, an expiry (expiryDays) and a version of terms',
      () => offerSetUp(db, partner.id),
    ],
    [3, 'eligibility', 'the partner needs eligibility rules', () => partner.eligibility !== null],
    [4, 'uat', 'the latest UAT run must have passed', () => uatPassed(db, partner.id)],
  ];
  const unmet: Gate[] = [];
  for (const [stage, gate, message, met] of gates)
    if (stage <= reach && !(await met())) unmet.push({ gate, message });
  return unmet;
}

async function firstKey(trx: Transaction, actor: Actor, partner: Partner) {
  const { key, id, name, role } = await createKey(trx, actor, {
    name: `${partner.name} (first key)`,
    role: 'partner',
    partnerId: partner.id,
  });
  return { id, key, name, role };
}

export async function moveStage(trx: Transaction, actor: Actor, id: string, target: PartnerStage) {
  const partner = await findPartner(trx, actor.scope, id);
  await trx('partners').where({ id }).forUpdate().first('id');
  if (!TRANSITIONS[partner.stage].includes(target))
    throw domainError(409, 'invalid_transition', `A partner in ${partner.stage} cannot move to ${target}`);
  // Suspending, and resuming a suspended partner, pass no gates: they were passed on the way to live.
  const gated = partner.stage !== 'suspended' && target !== 'suspended';
  const unmet = gated ? await unmetGates(trx, partner, target) : [];
  if (unmet.length)
    throw domainError(409, 'onboarding_incomplete', `The partner cannot move to ${target} yet`, unmet);
  if (partner.stage === 'uat' && target === 'live' && partner.uatKeyId === actor.scope.keyId)
    throw domainError(
      409,
      'four_eyes_required',
      'Another admin key than the one that moved it to UAT must take it live',
    );
  const first = target === 'live' && !partner.wentLiveAt;
  const moved = await partner.$query(trx).patchAndFetch({
    stage: target,
    updatedAt: new Date(),
    ...(target === 'uat' && { uatKeyId: actor.scope.keyId }),
    ...(first && { wentLiveAt: new Date() }),
  });
  await recordEvent(trx, {
    tenantId: partner.tenantId,
    type: 'partner.stage_changed',
    subject: id,
    data: { partnerId: id, from: partner.stage, to: target },
  });
  await recordAudit(trx, actor, {
    action: 'partner.stage_changed',
    entityType: 'partner',
    entityId: id,
    summary: `${partner.name}: ${partner.stage} → ${target}`,
  });
  return { ...presentPartner(moved), ...(first && { apiKey: await firstKey(trx, actor, moved) }) };
}
