// Owns account balances: member accounts move by one conditional UPDATE each (never read-then-write);
// system accounts' balances are derived from the transfers that name them.
import { type Queryable, rowsOf, type Transaction } from '../db/database.ts';
import { domainError, notFound } from '../errors.ts';
import { findMember } from '../members/service.ts';
import type { Scope } from '../tenancy/scope.ts';
import { LedgerAccount } from './model.ts';

export interface Counters {
  debitsPending: number;
  debitsPosted: number;
  creditsPending: number;
  creditsPosted: number;
}

export interface Balance {
  available: number;
  pending: number;
  posted: number;
  unit: 'points';
}

export function balanceOf(counters: Counters): Balance {
  const posted = counters.creditsPosted - counters.debitsPosted;
  return {
    available: posted - counters.debitsPending,
    pending: counters.debitsPending,
    posted,
    unit: 'points',
  };
}

// How much of the available balance a move takes (negative when it gives points).
export function spendOf(move: Move): number {
  return (move.debitsPending ?? 0) + (move.debitsPosted ?? 0) - (move.creditsPosted ?? 0);
}

export interface Move {
  debitsPending?: number;
  debitsPosted?: number;
  creditsPosted?: number;
}

// Hot statement of the ledger. The WHERE clause is the balance check, evaluated on the locked row, so
// two redemptions racing for the same points cannot both pass it; the CHECK constraint backs it up.
export async function moveMemberAccount(trx: Transaction, accountId: string, move: Move): Promise<Balance> {
  const spends = spendOf(move);
  const rows = rowsOf<Counters>(
    await trx.raw(
      `UPDATE ledger_accounts
        SET debits_pending = debits_pending + ?, debits_posted = debits_posted + ?, credits_posted = credits_posted + ?
      WHERE id = ? AND credits_posted - debits_posted - debits_pending >= ?
      RETURNING debits_pending, debits_posted, credits_pending, credits_posted`,
      [
        move.debitsPending ?? 0,
        move.debitsPosted ?? 0,
        move.creditsPosted ?? 0,
        accountId,
        Math.max(spends, 0),
      ],
    ),
  );
  if (rows.length === 1) return balanceOf(rows[0]);
  throw await insufficientBalance(trx, accountId, move);
}

// The 409 of a balance check that failed, naming what is available now.
export async function insufficientBalance(trx: Transaction, accountId: string, move: Move) {
  const spends = spendOf(move);
  const account = await LedgerAccount.query(trx).findById(accountId);
  const available = account ? balanceOf(account).available : 0;
  return domainError(
    409,
    'insufficient_balance',
    `Not enough points: ${available} available, ${spends} needed`,
    [{ available, requested: spends }],
  );
}

// A member's account is opened on first use.
export async function openAccount(trx: Transaction, scope: Pick<Scope, 'tenantId'>, memberId: string) {
  await LedgerAccount.query(trx)
    .insert({ id: memberId, tenantId: scope.tenantId, kind: 'member' })
    .onConflict('id')
    .ignore();
}

// A member's balance; the live feed asks with a principal's tenant, not a whole scope.
export async function memberBalance(
  db: Queryable,
  scope: Pick<Scope, 'tenantId'>,
  memberRef: string,
): Promise<Balance> {
  const member = await findMember(db, scope.tenantId, memberRef);
  if (!member) throw notFound(`Member ${memberRef}`);
  // A member without an account has had no movement yet.
  const row: Partial<Counters> = (await LedgerAccount.query(db).findById(member.id)) ?? {};
  return balanceOf({
    debitsPending: row.debitsPending ?? 0,
    debitsPosted: row.debitsPosted ?? 0,
    creditsPending: row.creditsPending ?? 0,
    creditsPosted: row.creditsPosted ?? 0,
  });
}

// Every account's four counters as the transfers add them up: system accounts' balances, and the
// reconciliation of member accounts against their stored counters.
export async function derivedCounters(db: Queryable, scope: Pick<Scope, 'tenantId'>) {
  const { tenantId } = scope;
  const result = await db.raw(
    `WITH legs AS (
       SELECT debit_account_id AS account_id,
              CASE WHEN status = 'pending' THEN amount ELSE 0 END AS debits_pending,
              CASE WHEN status = 'posted' THEN posted_amount ELSE 0 END AS debits_posted,
              0 AS credits_pending, 0 AS credits_posted
         FROM ledger_transfers WHERE tenant_id = ?
       UNION ALL
       SELECT credit_account_id, 0, 0,
              CASE WHEN status = 'pending' THEN amount ELSE 0 END,
              CASE WHEN status = 'posted' THEN posted_amount ELSE 0 END
         FROM ledger_transfers WHERE tenant_id = ?
     )
     SELECT a.id, a.kind, a.debits_pending AS stored_debits_pending, a.debits_posted AS stored_debits_posted,
            a.credits_posted AS stored_credits_posted,
            coalesce(sum(l.debits_pending), 0)::bigint AS debits_pending,
            coalesce(sum(l.debits_posted), 0)::bigint AS debits_posted,
            coalesce(sum(l.credits_pending), 0)::bigint AS credits_pending,
            coalesce(sum(l.credits_posted), 0)::bigint AS credits_posted
       FROM ledger_accounts a LEFT JOIN legs l ON l.account_id = a.id
      WHERE a.tenant_id = ?
      GROUP BY a.id, a.kind`,
    [tenantId, tenantId, tenantId],
  );
  return rowsOf<
    Counters & {
      id: string;
      kind: string;
      storedDebitsPending: number;
      storedDebitsPosted: number;
      storedCreditsPosted: number;
    }
  >(result);
}
