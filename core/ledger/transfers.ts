// Owns ledger transfers: credits, reservations and their confirmation or release, one-step debits and
// reversals; each commits with its event in the caller's transaction.
import { isDeepStrictEqual } from 'node:util';
import type Boom from '@hapi/boom';
import { type Database, type Queryable, rowsOf, type Transaction } from '../db/database.ts';
import { domainError, notFound } from '../errors.ts';
import { type Scope, visibleRows } from '../tenancy/scope.ts';
import {
  type Balance,
  balanceOf,
  type Counters,
  insufficientBalance,
  type Move,
  moveMemberAccount,
  openAccount,
} from './accounts.ts';
import { LedgerTransfer, type SystemAccount, type TransferRow } from './model.ts';
import {
  type MovementOutcome,
  type MovementParams,
  type ResolutionParams,
  recordLedgerEvent,
  runMovement,
  runResolution,
} from './sql.ts';

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
  delta: Move;
  eventType: string;
  timeoutSeconds?: number;
  reversesId?: string;
  eventExtra?: Record<string, unknown>;
}

// The same client-supplied id with the same fields is the same transfer (TigerBeetle's contract).
const IDENTITY = ['kind', 'memberRef', 'amount', 'source', 'reference', 'partnerId'] as const;

async function existingTransfer(trx: Transaction, scope: Scope, params: MovementParams): Promise<Movement> {
  const existing = (await LedgerTransfer.query(trx).findOne({
    tenantId: scope.tenantId,
    id: params.id,
  })) as LedgerTransfer;
  const same = IDENTITY.every((key) => isDeepStrictEqual(existing[key], params[key]));
  if (!same)
    throw domainError(
      409,
      'transfer_exists_with_different_fields',
      `Transfer ${params.id} exists with different fields`,
    );
  return { transfer: existing, balance: await moveMemberAccount(trx, existing.memberId, {}), created: false };
}

export function movementParams(scope: Scope, input: MovementInput, shape: Shape): MovementParams {
  return {
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
}

const isDuplicateId = (error: unknown) =>
  (error as { code?: string; constraint?: string }).code === '23505' &&
  (error as { constraint?: string }).constraint === 'ledger_transfers_pkey';

// A client id that may exist runs under a savepoint, so that its duplicate key error leaves the
// transaction usable for reading the existing transfer.
async function runWithClientId(trx: Transaction, params: MovementParams): Promise<MovementOutcome | null> {
  if (!params.id) return runMovement(trx, params);
  try {
    return await trx.transaction((savepoint) => runMovement(savepoint, params));
  } catch (error) {
    if (isDuplicateId(error)) return null;
    throw error;
  }
}

async function move(trx: Transaction, scope: Scope, input: MovementInput, shape: Shape): Promise<Movement> {
  const params = movementParams(scope, input, shape);
  let outcome = await runWithClientId(trx, params);
  if (!outcome) return existingTransfer(trx, scope, params);
  if (!outcome.memberId) throw notFound(`Member ${input.memberRef}`);
  if (!outcome.account) {
    // The slow path: a member's first movement, or a short balance (named in the 409).
    await openAccount(trx, scope, outcome.memberId);
    outcome = await runWithClientId(trx, params);
    if (!outcome) return existingTransfer(trx, scope, params);
    if (!outcome.account) throw await insufficientBalance(trx, outcome.memberId as string, shape.delta);
  }
  return settled(outcome);
}

function settled(outcome: MovementOutcome): Movement {
  return {
    transfer: outcome.transfer as TransferRow,
    balance: balanceOf(outcome.account as Counters),
    created: true,
  };
}

// The hot path for a request without an Idempotency-Key or client id: the movement statement alone,
// atomic without a transaction. Null when it did not apply; the caller then takes the full path.
export async function tryMove(
  kind: MovementKind,
  db: Queryable,
  scope: Scope,
  input: MovementInput & { timeoutSeconds?: number },
): Promise<Movement | null> {
  if (input.id) return null;
  const outcome = await runMovement(db, movementParams(scope, input, shapes[kind](input)));
  return outcome.account ? settled(outcome) : null;
}

export type MovementKind = 'credit' | 'debit' | 'reserve';

// What each movement does to the member's account, and the event it records.
export const shapes: Record<MovementKind, (input: MovementInput & { timeoutSeconds?: number }) => Shape> = {
  credit: (input) => ({
    kind: 'credit',
    status: 'posted',
    system: 'issuance',
    systemSide: 'debit',
    delta: { creditsPosted: input.amount },
    eventType: 'ledger.credited',
  }),
  debit: (input) => ({
    kind: 'debit',
    status: 'posted',
    system: 'redemption',
    systemSide: 'credit',
    delta: { debitsPosted: input.amount },
    eventType: 'ledger.debited',
  }),
  reserve: (input) => ({
    kind: 'reservation',
    status: 'pending',
    system: 'redemption',
    systemSide: 'credit',
    delta: { debitsPending: input.amount },
    eventType: 'ledger.reserved',
    timeoutSeconds: input.timeoutSeconds,
  }),
};

// For a caller with no transaction of its own (a request without an Idempotency-Key, a connector, an
// upload): the one-statement hot path when it applies, else the full path in a transaction of its own.
export async function movePoints(
  db: Database,
  kind: MovementKind,
  scope: Scope,
  input: MovementInput & { timeoutSeconds?: number },
): Promise<Movement> {
  return (await tryMove(kind, db, scope, input)) ?? db.transaction((trx) => moveBy(kind, trx, scope, input));
}

// Credits, debits and reservations, inside the caller's transaction.
export function moveBy(
  kind: MovementKind,
  trx: Transaction,
  scope: Scope,
  input: MovementInput & { timeoutSeconds?: number },
): Promise<Movement> {
  return move(trx, scope, input, shapes[kind](input));
}

async function findTransfer(trx: Transaction, scope: Scope, id: string): Promise<TransferRow> {
  const row = await visibleRows(trx, LedgerTransfer, scope).findById(id);
  if (!row) throw notFound('Transfer');
  return row;
}

export type Resolution =
  | { ok: true; transfer: TransferRow; balance: Balance }
  // A refusal that the caller commits (an expiry found on the way) and then answers.
  | { ok: false; refusal: Boom.Boom };

const refused = (status: number, code: string, message: string, details: unknown[] = []): Resolution => ({
  ok: false,
  refusal: domainError(status, code, message, details),
});

// Why a confirm or release did not apply. A reservation past its time is expired here and now, even
// before the sweep reaches it; the caller commits that and answers 409.
async function refuseResolution(
  trx: Transaction,
  scope: Scope,
  id: string,
  amount?: number,
): Promise<Resolution> {
  const current = await findTransfer(trx, scope, id);
  if (current.kind !== 'reservation')
    return refused(409, 'not_a_reservation', 'This transfer is not a reservation');
  let status = current.status;
  if (status === 'pending' && current.expiresAt && current.expiresAt <= new Date()) {
    status = (await expireReservations(trx, { tenantId: scope.tenantId, ids: [id] })).length
      ? 'expired'
      : status;
  }
  if (status === 'pending' && amount !== undefined && amount > current.amount) {
    return refused(
      409,
      'amount_exceeds_reservation',
      `Cannot confirm ${amount}: only ${current.amount} are reserved`,
      [{ reserved: current.amount, requested: amount }],
    );
  }
  return refused(409, 'reservation_not_pending', `The reservation is ${status}, no longer pending`, [
    { status },
  ]);
}

export interface Change {
  status: 'posted' | 'voided';
  amount?: number;
  reason?: string;
  eventType: string;
}

export const confirmation = (amount?: number): Change => ({
  status: 'posted',
  amount,
  eventType: 'ledger.confirmed',
});

export const releasing = (reason?: string): Change => ({
  status: 'voided',
  reason,
  eventType: 'ledger.released',
});

export function resolutionParams(scope: Scope, id: string, change: Change): ResolutionParams {
  return {
    tenantId: scope.tenantId,
    id,
    partnerId: scope.role === 'partner' ? scope.partnerId : null,
    status: change.status,
    amount: change.amount ?? null,
    reason: change.reason ?? null,
    eventType: change.eventType,
  };
}

// Confirms or releases a reservation inside the caller's transaction, or says why it cannot.
export async function resolve(
  trx: Transaction,
  scope: Scope,
  id: string,
  change: Change,
): Promise<Resolution> {
  const resolved = await tryResolve(trx, scope, id, change);
  return resolved ?? refuseResolution(trx, scope, id, change.amount);
}

// Confirms or releases with the hot path first, for a caller with no transaction of its own.
export async function resolveReservation(
  db: Database,
  scope: Scope,
  id: string,
  change: Change,
): Promise<Resolution> {
  return (
    (await tryResolve(db, scope, id, change)) ?? db.transaction((trx) => resolve(trx, scope, id, change))
  );
}

// The resolution statement alone, atomic without a transaction; null when it did not apply.
export async function tryResolve(
  db: Queryable,
  scope: Scope,
  id: string,
  change: Change,
): Promise<Resolution | null> {
  const resolved = await runResolution(db, resolutionParams(scope, id, change));
  return resolved && { ok: true, transfer: resolved.transfer, balance: balanceOf(resolved.account) };
}

// Expires the given reservations, or the oldest due ones when none are given. Rows another process is
// resolving are skipped; account rows are locked in id order so that two sweeps never deadlock.
export async function expireReservations(
  trx: Transaction,
  only?: { tenantId: string; ids: string[] },
  batch = 200,
): Promise<TransferRow[]> {
  const result = await trx.raw(
    `WITH due AS (
       SELECT tenant_id, id FROM ledger_transfers
        WHERE status = 'pending' AND expires_at <= now() ${only ? 'AND tenant_id = ? AND id = ANY(?)' : ''}
        ORDER BY expires_at LIMIT ? FOR UPDATE SKIP LOCKED
     )
     UPDATE ledger_transfers t SET status = 'expired', resolved_at = now(), resolution_reason = 'timeout'
       FROM due WHERE t.tenant_id = due.tenant_id AND t.id = due.id RETURNING t.*`,
    only ? [only.tenantId, only.ids, batch] : [batch],
  );
  const expired = rowsOf<TransferRow>(result).sort((a, b) =>
    a.debitAccountId.localeCompare(b.debitAccountId),
  );
  for (const row of expired) {
    await moveMemberAccount(trx, row.debitAccountId, { debitsPending: -row.amount });
    await recordLedgerEvent(trx, 'ledger.expired', row.tenantId, row.id);
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
  const prior = await LedgerTransfer.query(trx).findOne({
    tenantId: scope.tenantId,
    reversesId: original.id,
  });
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
  // A concurrent reversal of the same transfer fails on the unique (tenant, reverses_id).
  return move(trx, scope, input, shape).catch((error) => {
    const violation = error as { code?: string; constraint?: string };
    if (violation.code === '23505' && violation.constraint === 'ledger_transfers_reverses_key')
      throw domainError(409, 'already_reversed', 'This transfer has been reversed already');
    throw error;
  });
}
