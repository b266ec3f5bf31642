// Owns the ledger's tables as Objection models: accounts (their four counters) and transfers. The hot
// statements that move points are raw SQL in ./sql.ts and ./accounts.ts, typed by these models.
import type { ModelObject } from 'objection';
import { TenantRow } from '../tenancy/model.ts';

export type SystemAccount = 'issuance' | 'redemption' | 'expiry';

export class LedgerAccount extends TenantRow {
  static override tableName = 'ledger_accounts';
  // A member account's id is its member's id.
  declare id: string;
  declare kind: 'member' | SystemAccount;
  declare debitsPending: number;
  declare debitsPosted: number;
  declare creditsPending: number;
  declare creditsPosted: number;
  declare createdAt: Date;
}

export class LedgerTransfer extends TenantRow {
  static override tableName = 'ledger_transfers';
  static override jsonAttributes = ['metadata'];
  declare id: string;
  declare kind: 'credit' | 'reservation' | 'debit' | 'reversal';
  declare debitAccountId: string;
  declare creditAccountId: string;
  declare memberId: string;
  declare memberRef: string;
  declare amount: number;
  declare postedAmount: number | null;
  declare status: 'pending' | 'posted' | 'voided' | 'expired';
  declare source: string;
  declare reference: string | null;
  declare reason: string | null;
  declare partnerId: string | null;
  declare metadata: Record<string, unknown>;
  declare reversesId: string | null;
  declare expiresAt: Date | null;
  declare resolvedAt: Date | null;
  declare resolutionReason: string | null;
  declare createdAt: Date;
}

// A transfer as the hot statements return it (raw SQL, mapped by knex), or as the model reads it.
export type TransferRow = ModelObject<LedgerTransfer>;
