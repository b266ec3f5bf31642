// Owns the ledger's hot statements. Each movement is one round trip: insert the transfer, move the
// member's account (the balance check is the UPDATE's WHERE, evaluated on the locked row) and record the
// event, as one statement inside the request's transaction. Benchmarked in test/bench/ledger.bench.ts:
// one statement instead of four per movement halved the database round trips of a reserve + confirm.
import { type Queryable, rowsOf } from '../db/database.ts';
import { INSERT_EVENTS } from '../events/outbox.ts';
import { type Counters, type Move, spendOf } from './accounts.ts';
import type { SystemAccount, TransferRow } from './model.ts';

// The event of a ledger movement: the transfer `t` and the member's account `a` after the move.
// Parameters are bound with CAST(... AS type), never `::`, which knex would read as a named binding.
function eventData(t: string, a: string, extra = "'{}'"): string {
  return `jsonb_build_object(
      'transferId', ${t}.id, 'memberRef', ${t}.member_ref, 'amount', ${t}.amount, 'source', ${t}.source,
      'reference', ${t}.reference, 'partnerId', ${t}.partner_id,
      'balance', jsonb_build_object(
        'available', ${a}.credits_posted - ${a}.debits_posted - ${a}.debits_pending,
        'pending', ${a}.debits_pending, 'posted', ${a}.credits_posted - ${a}.debits_posted, 'unit', 'points')
    ) || CAST(${extra} AS jsonb)`;
}

const accountColumns = (
  a: string,
) => `${a}.debits_pending AS account_debits_pending, ${a}.debits_posted AS account_debits_posted,
  ${a}.credits_pending AS account_credits_pending, ${a}.credits_posted AS account_credits_posted`;

export interface MovementParams {
  tenantId: string;
  memberRef: string;
  id?: string;
  kind: TransferRow['kind'];
  status: 'pending' | 'posted';
  system: SystemAccount;
  systemSide: 'debit' | 'credit';
  amount: number;
  source: string;
  reference: string | null;
  reason: string | null;
  partnerId: string | null;
  metadata: Record<string, unknown>;
  timeoutSeconds: number | null;
  reversesId: string | null;
  delta: Move;
  eventType: string;
  eventExtra: Record<string, unknown>;
}

type MovedRow = TransferRow & {
  foundMemberId: string;
  accountDebitsPending: number | null;
  accountDebitsPosted: number | null;
  accountCreditsPending: number | null;
  accountCreditsPosted: number | null;
};

export interface MovementOutcome {
  memberId: string | null;
  transfer: TransferRow | null;
  account: Counters | null;
}

function split(row: MovedRow | undefined): MovementOutcome {
  if (!row) return { memberId: null, transfer: null, account: null };
  const {
    foundMemberId,
    accountDebitsPending,
    accountDebitsPosted,
    accountCreditsPending,
    accountCreditsPosted,
    ...transfer
  } = row;
  return {
    memberId: foundMemberId,
    transfer: transfer.id ? transfer : null,
    account:
      accountDebitsPending === null
        ? null
        : {
            debitsPending: accountDebitsPending,
            debitsPosted: accountDebitsPosted as number,
            creditsPending: accountCreditsPending as number,
            creditsPosted: accountCreditsPosted as number,
          },
  };
}

// Moves the member's account first (the balance check is the UPDATE's WHERE, on the locked row) and
// inserts the transfer only from the moved row, so the statement changes nothing unless it all applies:
// safe on its own, outside a transaction. A client id that exists fails the insert (23505) and with it
// the statement. No row: the member is unknown. No account: not opened yet, or the balance is short.
export async function runMovement(db: Queryable, p: MovementParams): Promise<MovementOutcome> {
  return split(rowsOf<MovedRow>(await movementStatement(db, p))[0]);
}

// The statement itself, prepared once per connection; test/bench/ledger.bench.ts runs it through pg.
export function movementStatement(db: Queryable, p: MovementParams) {
  return db
    .raw(
      `WITH member AS (
       SELECT id, external_ref FROM members WHERE tenant_id = :tenantId AND external_ref = :memberRef
     ), moved AS (
       UPDATE ledger_accounts a
          SET debits_pending = a.debits_pending + :debitsPending, debits_posted = a.debits_posted + :debitsPosted,
              credits_posted = a.credits_posted + :creditsPosted
         FROM member WHERE a.id = member.id AND a.credits_posted - a.debits_posted - a.debits_pending >= :spends
       RETURNING a.*
     ), inserted AS (
       INSERT INTO ledger_transfers (id, tenant_id, kind, debit_account_id, credit_account_id, member_id, member_ref,
         amount, posted_amount, status, source, reference, reason, partner_id, metadata, expires_at, reverses_id)
       SELECT coalesce(CAST(:id AS uuid), tessera_uuid()), CAST(:tenantId AS uuid), CAST(:kind AS text),
              CASE WHEN :systemSide = 'debit' THEN s.id ELSE member.id END,
              CASE WHEN :systemSide = 'credit' THEN s.id ELSE member.id END,
              member.id, member.external_ref, CAST(:amount AS bigint),
              CASE WHEN :status = 'posted' THEN CAST(:amount AS bigint) END, CAST(:status AS text),
              CAST(:source AS text), CAST(:reference AS text), CAST(:reason AS text), CAST(:partnerId AS uuid), CAST(:metadata AS jsonb),
              now() + make_interval(secs => CAST(:timeoutSeconds AS integer)), CAST(:reversesId AS uuid)
         FROM moved JOIN member ON member.id = moved.id
         -- A scalar subquery: a missing system account is a NULL that fails the statement, never a lost leg.
         CROSS JOIN LATERAL (SELECT (SELECT id FROM ledger_accounts WHERE tenant_id = :tenantId AND kind = :system) AS id) s
       RETURNING *
     ), event AS (
       ${INSERT_EVENTS}
       SELECT CAST(:tenantId AS uuid), CAST(:eventType AS text), inserted.member_ref, ${eventData('inserted', 'moved', ':eventExtra')}
         FROM inserted, moved
     )
     SELECT member.id AS found_member_id, inserted.*, ${accountColumns('moved')}
       FROM member LEFT JOIN inserted ON true LEFT JOIN moved ON true`,
      {
        tenantId: p.tenantId,
        memberRef: p.memberRef,
        id: p.id ?? null,
        kind: p.kind,
        systemSide: p.systemSide,
        system: p.system,
        amount: p.amount,
        status: p.status,
        source: p.source,
        reference: p.reference,
        reason: p.reason,
        partnerId: p.partnerId,
        metadata: JSON.stringify(p.metadata),
        timeoutSeconds: p.timeoutSeconds,
        reversesId: p.reversesId,
        debitsPending: p.delta.debitsPending ?? 0,
        debitsPosted: p.delta.debitsPosted ?? 0,
        creditsPosted: p.delta.creditsPosted ?? 0,
        spends: Math.max(spendOf(p.delta), 0),
        eventType: p.eventType,
        eventExtra: JSON.stringify(p.eventExtra),
      },
    )
    .options({ name: 'tessera_ledger_movement' });
}

export interface ResolutionParams {
  tenantId: string;
  id: string;
  partnerId: string | null;
  status: 'posted' | 'voided';
  amount: number | null;
  reason: string | null;
  eventType: string;
}

// Confirm or release: a reservation still pending and not past its time moves in one statement, which
// changes nothing when it does not apply. Resolving gives points back or posts them: no balance check.
export async function runResolution(
  db: Queryable,
  p: ResolutionParams,
): Promise<{ transfer: TransferRow; account: Counters } | null> {
  const outcome = split(rowsOf<MovedRow>(await resolutionStatement(db, p))[0]);
  return outcome.transfer && outcome.account
    ? { transfer: outcome.transfer, account: outcome.account }
    : null;
}

export function resolutionStatement(db: Queryable, p: ResolutionParams) {
  const extra =
    p.status === 'posted'
      ? `jsonb_build_object('amount', resolved.posted_amount, 'reserved', resolved.amount, 'released', resolved.amount - resolved.posted_amount)`
      : `jsonb_build_object('reason', resolved.resolution_reason)`;
  return db
    .raw(
      `WITH resolved AS (
       UPDATE ledger_transfers
          SET status = CAST(:status AS text), resolved_at = now(), resolution_reason = CAST(:reason AS text),
              posted_amount = CASE WHEN :status = 'posted' THEN coalesce(CAST(:amount AS bigint), amount) END
        WHERE id = :id AND tenant_id = :tenantId AND kind = 'reservation' AND status = 'pending' AND expires_at > now()
          AND (CAST(:partnerId AS uuid) IS NULL OR partner_id = CAST(:partnerId AS uuid))
          AND (CAST(:amount AS bigint) IS NULL OR amount >= CAST(:amount AS bigint))
       RETURNING *
     ), moved AS (
       UPDATE ledger_accounts a
          SET debits_pending = a.debits_pending - resolved.amount,
              debits_posted = a.debits_posted + coalesce(resolved.posted_amount, 0)
         FROM resolved WHERE a.id = resolved.debit_account_id
       RETURNING a.*
     ), event AS (
       ${INSERT_EVENTS}
       SELECT resolved.tenant_id, CAST(:eventType AS text), resolved.member_ref, ${eventData('resolved', 'moved', extra)}
         FROM resolved, moved
     )
     SELECT resolved.member_id AS found_member_id, resolved.*, ${accountColumns('moved')}
       FROM resolved, moved`,
      { ...p, partnerId: p.partnerId, amount: p.amount, reason: p.reason },
    )
    .options({ name: `tessera_ledger_resolution_${p.status}` });
}

// The event of a movement made on the slow path, built by the same SQL as the hot statements'.
export async function recordLedgerEvent(
  trx: Queryable,
  type: string,
  tenantId: string,
  transferId: string,
  extra: Record<string, unknown> = {},
) {
  await trx.raw(
    `${INSERT_EVENTS}
     SELECT t.tenant_id, CAST(:type AS text), t.member_ref, ${eventData('t', 'a', ':extra')}
       FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.member_id
      WHERE t.tenant_id = :tenantId AND t.id = :transferId`,
    { type, tenantId, transferId, extra: JSON.stringify(extra) },
  );
}
