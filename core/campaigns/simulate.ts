// Owns dry runs: what each of a list of events would produce for one campaign, given members' real
// progress, computed by the engine itself in a transaction that is always rolled back.
import type { Database, Transaction } from '../db/database.ts';
import { domainError } from '../errors.ts';
import type { MemberInput } from '../members/service.ts';
import { findMember, upsertMember } from '../members/service.ts';
import type { Actor } from '../tenancy/scope.ts';
import { type EngineMember, evaluateFor, type Outcome } from './engine.ts';
import { getCampaign } from './service.ts';

export interface SimulatedEvent {
  type: string;
  source: string;
  memberRef: string;
  member?: MemberInput;
  occurredAt?: Date;
  data: Record<string, unknown>;
}

class DryRun extends Error {}

async function memberFor(
  trx: Transaction,
  actor: Actor,
  event: SimulatedEvent,
): Promise<EngineMember | null> {
  const known = await findMember(trx, actor.scope.tenantId, event.memberRef);
  if (known) return known;
  if (!event.member) return null;
  return (await upsertMember(trx, actor, event.memberRef, event.member)).member as EngineMember;
}

// An issued outcome shows what would be issued; the ids of a rolled-back issuance mean nothing.
function shown(outcome: Outcome) {
  if (outcome.outcome !== 'issued') return outcome;
  const { issuance, issuances, ...rest } = outcome;
  return { ...rest, rewards: issuances?.length ?? 1, status: issuance.status };
}

export async function simulate(db: Database, actor: Actor, campaignId: string, events: SimulatedEvent[]) {
  const results: unknown[] = [];
  try {
    await db.transaction(async (trx) => {
      const campaign = await getCampaign(trx, actor.scope, campaignId);
      if (campaign.status === 'ended')
        throw domainError(409, 'campaign_ended', 'An ended campaign cannot be simulated');
      // A draft or paused campaign is simulated as if it were active.
      const running = await campaign.$clone().$query(trx).patchAndFetch({ status: 'active' });
      for (const [index, event] of events.entries()) {
        const member = await memberFor(trx, actor, event);
        if (event.type !== campaign.eventType) {
          results.push({ index, memberRef: event.memberRef, outcome: 'not_listening' });
        } else if (!member) {
          results.push({ index, memberRef: event.memberRef, outcome: 'unmatched' });
        } else {
          const outcome = await evaluateFor(
            trx,
            running,
            { ...event, occurredAt: event.occurredAt ?? new Date() },
            member,
          );
          results.push({ index, memberRef: event.memberRef, ...shown(outcome) });
        }
      }
      throw new DryRun();
    });
  } catch (error) {
    if (!(error instanceof DryRun)) throw error;
  }
  return { campaignId, simulated: true, results };
}
