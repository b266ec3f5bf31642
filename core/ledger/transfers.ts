// Owns ledger transfers: credits, reservations and their confirmation or release, one-step debits and
// reversals; each commits with its event in the caller's transaction.
import { isDeepStrictEqual } from 'node:util';
import { rowsOf, type Transaction } from '../db/database.ts';
import type { Scope } from '../http/context.ts';
import { domainError, notFound } from '../http/errors.ts';
import { type Balance, balanceOf, moveMemberAccount, type SystemAccount } from './accounts.ts';
import {
  type AccountDelta,
  type MovementParams,
  recordLedgerEvent,
  runMovement,
  runResolution,
} from './statements.ts';

export interface TransferRow {
  id: string;
  tenantId: string;
  kind: 'credit' | 'reservation' | 'debit' | 'reversal';
  debitAccountId: string;
  creditAccountId: string;
  memberId: string;
  memberRef: string;
  amount: number;
  postedAmount: number | null;
  status: 'pending' | 'posted' | 'voided' | 'expired';
  source: string;
  reference: string | null;
  reason: string | null;
  partnerId: string | null;
  metadata: Record<string, unknown>;
  reversesId: string | null;
  expiresAt: Date | null;
  resolvedAt: Date | null;
  resolutionReason: string | null;
  createdAt: Date;
}

export interface MovementInput {
  id?: string;
  memberRef: string;
  amount: number;
  source: string;
  reference?: string;
  reason?: string;
  metadata?: Record<string, unknown>;
  partnerId?: string;
}

export interface Movement {
  transfer: TransferRow;
  balance: Balance;
  created: boolean;
}

export function presentTransfer(row: TransferRow) {
  const { tenantId: _t, debitAccountId: _d, creditAccountId: _c, memberId: _m, ...shown } = row;
  return shown;
}

// A partner key acts only for its own partner; other keys may name the partner a transfer belongs to.
export function partnerOf(scope: Scope, requested: string | undefined | null): string | null {
  if (scope.role !== 'partner') return requested ?? null;
  if (requested && requested !== scope.partnerId) {
    throw domainError(403, 'forbidden', 'A partner key acts only for its own partner');
  }
  return scope.partnerId;
}

interface Shape {
  kind: TransferRow['kind'];
  status: 'pending' | 'posted';
  system: SystemAccount;
  systemSide: 'debit' | 'credit';
  delta: AccountDelta;
  eventType: string;
  timeoutSeconds?: number;
  reversesId?: string;
  eventExtra?: Record<string, unknown>;
}

// The same client-supplied id with the same fields is the same transfer (TigerBeetle's contract).
const IDENTITY = ['kind', 'memberRef', 'amount', 'source', 'reference', 'partnerId'] as const;

async function existingTransfer(trx: Transaction, scope: Scope, params: MovementParams): Promise<Movement> {
  const existing: TransferRow = await trx('ledger_transfers').where({ id: params.id }).first();
  const same =
    existing.tenantId === scope.tenantId &&
    IDENTITY.every((key) => isDeepStrictEqual(existing[key], params[key]));
  if (!same)
    throw domainError(
      409,
      'transfer_exists_with_different_fields',
      `Transfer ${params.id} exists with different fields`,
    );
  return { transfer: existing, balance: await moveMemberAccount(trx, existing.memberId, {}), created: false };
}

// The slow path, for a member's first movement or a short balance: open the account, then move it
// with the balance check that names the available amount when it fails (rolling the transfer back).
async function settleOnSlowPath(trx: Transaction, transfer: TransferRow, shape: Shape): Promise<Balance> {
  await trx('ledger_accounts')
    .insert({ id: transfer.memberId, tenantId: transfer.tenantId, kind: 'member' })
    .onConflict('id')
    .ignore();
  const balance = await moveMemberAccount(trx, transfer.memberId, shape.delta);
  await recordLedgerEvent(trx, shape.eventType, transfer.id, shape.eventExtra);
  return balance;
}

async function move(trx: Transaction, scope: Scope, input: MovementInput, shape: Shape): Promise<Movement> {
  const params: MovementParams = {
    tenantId: scope.tenantId,
    memberRef: input.memberRef,
    id: input.id,
    kind: shape.kind,
    status: shape.status,
    system: shape.system,
    systemSide: shape.systemSide,
    amount: input.amount,
    source: input.source,
    reference: input.reference ?? null,
    reason: input.reason ?? null,
    partnerId: partnerOf(scope, input.partnerId),
    metadata: input.metadata ?? {},
    timeoutSeconds: shape.timeoutSeconds ?? null,
    reversesId: shape.reversesId ?? null,
    delta: shape.delta,
    eventType: shape.eventType,
    eventExtra: shape.eventExtra ?? {},
  };
  const outcome = await runMovement(trx, params);
  if (!outcome.memberId) throw notFound(`Member ${input.memberRef}`);
  if (!outcome.transfer) return existingTransfer(trx, scope, params);
  const balance = outcome.account
    ? balanceOf(outcome.account)
    : await settleOnSlowPath(trx, outcome.transfer, shape);
  return { transfer: outcome.transfer, balance, created: true };
}

export function credit(trx: Transaction, scope: Scope, input: MovementInput): Promise<Movement> {
  return move(trx, scope, input, {
    kind: 'credit',
    status: 'posted',
    system: 'issuance',
    systemSide: 'debit',
    delta: { creditsPosted: input.amount },
    eventType: 'ledger.credited',
  });
}

export function debit(trx: Transaction, scope: Scope, input: MovementInput): Promise<Movement> {
  return move(trx, scope, input, {
    kind: 'debit',
    status: 'posted',
    system: 'redemption',
    systemSide: 'credit',
    delta: { debitsPosted: input.amount },
    eventType: 'ledger.debited',
  });
}

export function reserve(trx: Transaction, scope: Scope, input: MovementInput & { timeoutSeconds: number }) {
  return move(trx, scope, input, {
    kind: 'reservation',
    status: 'pending',
    system: 'redemption',
    systemSide: 'credit',
    delta: { debitsPending: input.amount },
    eventType: 'ledger.reserved',
    timeoutSeconds: input.timeoutSeconds,
  });
}

async function findTransfer(trx: Transaction, scope: Scope, id: string): Promise<TransferRow> {
  const row = await trx('ledger_transfers')
    .where({ id, tenantId: scope.tenantId })
    .modify((q) => scope.role === 'partner' && q.where({ partnerId: scope.partnerId }))
    .first();
  if (!row) throw notFound('Transfer');
  return row;
}

export type Resolution =
  | { ok: true; transfer: TransferRow; balance: Balance }
  | { ok: false; status: number; code: string; message: string; details: unknown[] };

// Why a confirm or release did not apply. A reservation past its time is expired here and now, even
// before the sweep reaches it; the caller commits that and answers 409.
async function refuseResolution(
  trx: Transaction,
  scope: Scope,
  id: string,
  amount?: number,
): Promise<Resolution> {
  const current = await findTransfer(trx, scope, id);
  if (current.kind !== 'reservation') {
    return {
      ok: false,
      status: 409,
      code: 'not_a_reservation',
      message: 'This transfer is not a reservation',
      details: [],
    };
  }
  let status = current.status;
  if (status === 'pending' && current.expiresAt && current.expiresAt <= new Date()) {
    status = (await expireReservations(trx, [id])).length ? 'expired' : status;
  }
  if (status === 'pending' && amount !== undefined && amount > current.amount) {
    return {
      ok: false,
      status: 409,
      code: 'amount_exceeds_reservation',
      message: `Cannot confirm ${amount}: only ${current.amount} are reserved`,
      details: [{ reserved: current.amount, requested: amount }],
    };
  }
  return {
    ok: false,
    status: 409,
    code: 'reservation_not_pending',
    message: `The reservation is ${status}, no longer pending`,
    details: [{ status }],
  };
}

async function resolve(
  trx: Transaction,
  scope: Scope,
  id: string,
  change: { status: 'posted' | 'voided'; amount?: number; reason?: string; eventType: string },
): Promise<Resolution> {
  const resolved = await runResolution(trx, {
    tenantId: scope.tenantId,
    id,
    partnerId: scope.role === 'partner' ? scope.partnerId : null,
    status: change.status,
    amount: change.amount ?? null,
    reason: change.reason ?? null,
    eventType: change.eventType,
  });
  if (!resolved) return refuseResolution(trx, scope, id, change.amount);
  return { ok: true, transfer: resolved.transfer, balance: balanceOf(resolved.account) };
}

export function confirm(trx: Transaction, scope: Scope, id: string, amount?: number): Promise<Resolution> {
  return resolve(trx, scope, id, { status: 'posted', amount, eventType: 'ledger.confirmed' });
}

export function release(trx: Transaction, scope: Scope, id: string, reason?: string): Promise<Resolution> {
  return resolve(trx, scope, id, { status: 'voided', reason, eventType: 'ledger.released' });
}

// Expires the given reservations, or the oldest due ones when none are given. Rows another process is
// resolving are skipped; account rows are locked in id order so that two sweeps never deadlock.
export async function expireReservations(
  trx: Transaction,
  ids?: string[],
  batch = 200,
): Promise<TransferRow[]> {
  const result = await trx.raw(
    `WITH due AS (
       SELECT id FROM ledger_transfers
        WHERE status = 'pending' AND expires_at <= now() ${ids ? 'AND id = ANY(?)' : ''}
        ORDER BY expires_at LIMIT ? FOR UPDATE SKIP LOCKED
     )
     UPDATE ledger_transfers t SET status = 'expired', resolved_at = now(), resolution_reason = 'timeout'
       FROM due WHERE t.id = due.id RETURNING t.*`,
    ids ? [ids, batch] : [batch],
  );
  const expired = rowsOf<TransferRow>(result).sort((a, b) =>
    a.debitAccountId.localeCompare(b.debitAccountId),
  );
  for (const row of expired) {
    await moveMemberAccount(trx, row.debitAccountId, { debitsPending: -row.amount });
    await recordLedgerEvent(trx, 'ledger.expired', row.id);
  }
  return expired;
}

// A reversal is a new transfer in the opposite direction, once per transfer.
export async function reverse(
  trx: Transaction,
  scope: Scope,
  transferId: string,
  reason: string,
): Promise<Movement> {
  const original = await findTransfer(trx, scope, transferId);
  const amount = original.status === 'posted' ? (original.postedAmount as number) : 0;
  if (original.kind === 'reversal' || amount === 0) {
    throw domainError(409, 'not_reversible', `A ${original.status} ${original.kind} cannot be reversed`, [
      { kind: original.kind, status: original.status },
    ]);
  }
  const prior = await trx('ledger_transfers').where({ reversesId: original.id }).first();
  if (prior)
    throw domainError(409, 'already_reversed', 'This transfer has been reversed already', [
      { reversalId: prior.id },
    ]);
  const memberWasCredited = original.kind === 'credit';
  const input = {
    memberRef: original.memberRef,
    amount,
    source: original.source,
    reference: original.reference ?? undefined,
    reason,
    partnerId: original.partnerId ?? undefined,
  };
  const shape: Shape = {
    kind: 'reversal',
    status: 'posted',
    system: memberWasCredited ? 'issuance' : 'redemption',
    systemSide: memberWasCredited ? 'credit' : 'debit',
    delta: memberWasCredited ? { debitsPosted: amount } : { creditsPosted: amount },
    eventType: 'ledger.reversed',
    reversesId: original.id,
    eventExtra: { reversesId: original.id, reason, kind: original.kind },
  };
  // A concurrent reversal of the same transfer fails on the unique reverses_id.
  return move(trx, scope, input, shape).catch((error) => {
    if ((error as { code?: string }).code === '23505')
      throw domainError(409, 'already_reversed', 'This transfer has been reversed already');
    throw error;
  });
}
