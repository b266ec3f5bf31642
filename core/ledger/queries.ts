// Owns reading the ledger: the transfer log with its filters, one transfer, and the account totals.
import type { Database } from '../db/database.ts';
import { notFound } from '../errors.ts';
import { decodeCursor, isString, type Page, toPage } from '../paging.ts';
import { type Scope, visibleRows } from '../tenancy/scope.ts';
import { derivedCounters } from './accounts.ts';
import { LedgerTransfer } from './model.ts';
import { presentTransfer } from './transfers.ts';

export interface TransferQuery {
  memberRef?: string;
  source?: string;
  status?: string;
  reference?: string;
  from?: Date;
  to?: Date;
  limit: number;
  cursor?: string;
}

export async function listTransfers(
  db: Database,
  scope: Scope,
  query: TransferQuery,
): Promise<Page<unknown>> {
  const after = decodeCursor(query.cursor, isString);
  const rows = await visibleRows(db, LedgerTransfer, scope)
    .modify((q) => {
      if (query.memberRef) q.where('memberRef', query.memberRef);
      if (query.source) q.where('source', query.source);
      if (query.status) q.where('status', query.status);
      if (query.reference) q.where('reference', query.reference);
      if (query.from) q.where('createdAt', '>=', query.from);
      if (query.to) q.where('createdAt', '<', query.to);
      if (after) q.where('id', '>', after);
    })
    .orderBy('id')
    .limit(query.limit + 1);
  return toPage(rows, query.limit, presentTransfer, (row) => row.id);
}

export async function getTransfer(db: Database, scope: Scope, id: string) {
  const row = await visibleRows(db, LedgerTransfer, scope).findById(id);
  if (!row) throw notFound('Transfer');
  return presentTransfer(row);
}

// For reconciliation: system accounts' balances, and totals over all accounts (debits equal credits).
export async function ledgerAccounts(db: Database, scope: Scope) {
  const accounts = await derivedCounters(db, scope);
  const sum = (key: 'debitsPending' | 'debitsPosted' | 'creditsPending' | 'creditsPosted') =>
    accounts.reduce((total, account) => total + Number(account[key]), 0);
  const system = accounts
    .filter((account) => account.kind !== 'member')
    .map(({ id, kind, debitsPending, debitsPosted, creditsPending, creditsPosted }) => ({
      id,
      kind,
      debitsPending,
      debitsPosted,
      creditsPending,
      creditsPosted,
    }));
  return {
    system,
    totals: {
      debitsPending: sum('debitsPending'),
      debitsPosted: sum('debitsPosted'),
      creditsPending: sum('creditsPending'),
      creditsPosted: sum('creditsPosted'),
    },
    memberAccounts: accounts.length - system.length,
  };
}
