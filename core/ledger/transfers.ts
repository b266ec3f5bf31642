// Owns ledger transfers: credits, reservations and their confirmation or release, one-step debits and
// reversals; each commits with its event in the caller's transaction.
import { isDeepStrictEqual } from 'node:util';
import { rowsOf, type Transaction } from '../db/database.ts';
import { recordEvent } from '../events/outbox.ts';
import type { Scope } from '../http/context.ts';
import { domainError, notFound } from '../http/errors.ts';
import {
  type Balance,
  type MemberAccount,
  type Move,
  moveMemberAccount,
  openMemberAccount,
  type SystemAccount,
  systemAccountId,
} from './accounts.ts';

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
export function partnerOf(scope: Scope, requested: string | undefined): string | null {
  if (scope.role !== 'partner') return requested ?? null;
  if (requested && requested !== scope.partnerId) {
    throw domainError(403, 'forbidden', 'A partner key acts only for its own partner');
  }
  return scope.partnerId;
}

async function emit(
  trx: Transaction,
  type: string,
  transfer: TransferRow,
  balance: Balance,
  extra: object = {},
) {
  await recordEvent(trx, {
    tenantId: transfer.tenantId,
    type,
    subject: transfer.memberRef,
    data: {
      transferId: transfer.id,
      memberRef: transfer.memberRef,
      amount: transfer.amount,
      source: transfer.source,
      reference: transfer.reference,
      partnerId: transfer.partnerId,
      balance,
      ...extra,
    },
  });
}

type Leg = { account: SystemAccount; side: 'debit' | 'credit' };

interface NewTransfer {
  kind: TransferRow['kind'];
  status: TransferRow['status'];
  system: Leg;
  expiresAt?: unknown;
  reversesId?: string;
}

// The same client-supplied id with the same fields is the same transfer (TigerBeetle's contract).
const IDENTITY: Array<keyof TransferRow> = [
  'kind',
  'memberRef',
  'amount',
  'source',
  'reference',
  'partnerId',
];

async function insertTransfer(
  trx: Transaction,
  scope: Scope,
  member: MemberAccount,
  input: MovementInput,
  shape: NewTransfer,
): Promise<{ row: TransferRow; created: boolean }> {
  const system = systemAccountId(trx, scope.tenantId, shape.system.account);
  const fields = {
    kind: shape.kind,
    memberRef: member.memberRef,
    amount: input.amount,
    source: input.source,
    reference: input.reference ?? null,
    partnerId: partnerOf(scope, input.partnerId),
  };
  const [row] = await trx('ledger_transfers')
    .insert({
      ...(input.id && { id: input.id }),
      ...fields,
      tenantId: scope.tenantId,
      debitAccountId: shape.system.side === 'debit' ? system : member.id,
      creditAccountId: shape.system.side === 'credit' ? system : member.id,
      memberId: member.id,
      postedAmount: shape.status === 'posted' ? input.amount : null,
      status: shape.status,
      reason: input.reason ?? null,
      metadata: JSON.stringify(input.metadata ?? {}),
      expiresAt: shape.expiresAt ?? null,
      reversesId: shape.reversesId ?? null,
    })
    .onConflict('id')
    .ignore()
    .returning('*');
  if (row) return { row, created: true };
  const existing: TransferRow = await trx('ledger_transfers').where({ id: input.id }).first();
  const same =
    existing.tenantId === scope.tenantId &&
    IDENTITY.every((key) => isDeepStrictEqual(existing[key], fields[key as keyof typeof fields]));
  if (!same) {
    throw domainError(
      409,
      'transfer_exists_with_different_fields',
      `Transfer ${input.id} exists with different fields`,
    );
  }
  return { row: existing, created: false };
}

async function move(
  trx: Transaction,
  scope: Scope,
  input: MovementInput,
  shape: NewTransfer,
  change: Move,
  eventType: string,
): Promise<Movement> {
  const member = await openMemberAccount(trx, scope.tenantId, input.memberRef);
  const { row, created } = await insertTransfer(trx, scope, member, input, shape);
  if (!created) return { transfer: row, balance: await moveMemberAccount(trx, member.id, {}), created };
  const balance = await moveMemberAccount(trx, member.id, change);
  await emit(trx, eventType, row, balance);
  return { transfer: row, balance, created };
}

export function credit(trx: Transaction, scope: Scope, input: MovementInput): Promise<Movement> {
  const shape = { kind: 'credit', status: 'posted', system: { account: 'issuance', side: 'debit' } } as const;
  return move(trx, scope, input, shape, { creditsPosted: input.amount }, 'ledger.credited');
}

export function debit(trx: Transaction, scope: Scope, input: MovementInput): Promise<Movement> {
  const shape = {
    kind: 'debit',
    status: 'posted',
    system: { account: 'redemption', side: 'credit' },
  } as const;
  return move(trx, scope, input, shape, { debitsPosted: input.amount }, 'ledger.debited');
}

export function reserve(trx: Transaction, scope: Scope, input: MovementInput & { timeoutSeconds: number }) {
  const shape = {
    kind: 'reservation',
    status: 'pending',
    system: { account: 'redemption', side: 'credit' },
    expiresAt: trx.raw('now() + make_interval(secs => ?)', [input.timeoutSeconds]),
  } as const;
  return move(trx, scope, input, shape, { debitsPending: input.amount }, 'ledger.reserved');
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

// A reservation past its expiry is expired here and now, even before the sweep reaches it.
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

function pendingReservation(trx: Transaction, scope: Scope, id: string) {
  return trx('ledger_transfers')
    .where({ id, tenantId: scope.tenantId, kind: 'reservation', status: 'pending' })
    .where('expiresAt', '>', trx.fn.now())
    .modify((q) => scope.role === 'partner' && q.where({ partnerId: scope.partnerId }));
}

export async function confirm(
  trx: Transaction,
  scope: Scope,
  id: string,
  amount?: number,
): Promise<Resolution> {
  const [row]: TransferRow[] = await pendingReservation(trx, scope, id)
    .modify((q) => amount !== undefined && q.where('amount', '>=', amount))
    .update({
      status: 'posted',
      postedAmount: trx.raw('coalesce(?, amount)', [amount ?? null]),
      resolvedAt: trx.fn.now(),
    })
    .returning('*');
  if (!row) return refuseResolution(trx, scope, id, amount);
  const posted = row.postedAmount as number;
  const balance = await moveMemberAccount(trx, row.debitAccountId, {
    debitsPending: -row.amount,
    debitsPosted: posted,
  });
  await emit(trx, 'ledger.confirmed', row, balance, {
    amount: posted,
    reserved: row.amount,
    released: row.amount - posted,
  });
  return { ok: true, transfer: row, balance };
}

export async function release(
  trx: Transaction,
  scope: Scope,
  id: string,
  reason?: string,
): Promise<Resolution> {
  const [row]: TransferRow[] = await pendingReservation(trx, scope, id)
    .update({ status: 'voided', resolvedAt: trx.fn.now(), resolutionReason: reason ?? null })
    .returning('*');
  if (!row) return refuseResolution(trx, scope, id);
  const balance = await moveMemberAccount(trx, row.debitAccountId, { debitsPending: -row.amount });
  await emit(trx, 'ledger.released', row, balance, { reason: reason ?? null });
  return { ok: true, transfer: row, balance };
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
    const balance = await moveMemberAccount(trx, row.debitAccountId, { debitsPending: -row.amount });
    await emit(trx, 'ledger.expired', row, balance);
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
  const memberWasCredited = original.kind === 'credit';
  const system = memberWasCredited ? 'issuance' : 'redemption';
  const member = { id: original.memberId, memberRef: original.memberRef };
  const shape = {
    kind: 'reversal',
    status: 'posted',
    system: { account: system, side: memberWasCredited ? 'credit' : 'debit' },
    reversesId: original.id,
  } as const;
  const input = {
    memberRef: original.memberRef,
    amount,
    source: original.source,
    reference: original.reference ?? undefined,
    reason,
    partnerId: original.partnerId ?? undefined,
  };
  const inserted = await trx('ledger_transfers').where({ reversesId: original.id }).first();
  if (inserted)
    throw domainError(409, 'already_reversed', 'This transfer has been reversed already', [
      { reversalId: inserted.id },
    ]);
  const { row } = await insertTransfer(trx, scope, member, input, shape).catch((error) => {
    throw isUniqueViolation(error)
      ? domainError(409, 'already_reversed', 'This transfer has been reversed already')
      : error;
  });
  const balance = await moveMemberAccount(
    trx,
    member.id,
    memberWasCredited ? { debitsPosted: amount } : { creditsPosted: amount },
  );
  await emit(trx, 'ledger.reversed', row, balance, { reversesId: original.id, reason, kind: original.kind });
  return { transfer: row, balance, created: true };
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string }).code === '23505';
}
