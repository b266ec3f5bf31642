// Owns the catalog's tables as Objection models: partners, offers and their voucher codes.
import { TenantRow } from '../tenancy/model.ts';
import type { LedgerAccess } from '../tenancy/scope.ts';

export class Partner extends TenantRow {
  static override tableName = 'partners';
  declare id: string;
  declare name: string;
  declare ledgerAccess: LedgerAccess;
  declare createdAt: Date;
}

export type Denominations = { fixed: number[] } | { min: number; max: number; step: number };

export class Offer extends TenantRow {
  static override tableName = 'offers';
  static override jsonAttributes = ['denominations'];
  declare id: string;
  declare partnerId: string;
  declare name: string;
  declare type: 'gift_card' | 'experience' | 'merchandise' | 'wallet';
  declare currency: string;
  declare denominations: Denominations;
  declare expiryDays: number | null;
  declare country: string | null;
  declare createdAt: Date;
}

export class VoucherCode extends TenantRow {
  static override tableName = 'voucher_codes';
  declare id: string;
  declare offerId: string;
  declare denomination: number;
  declare code: string;
  declare issuanceId: string | null;
  declare assignedAt: Date | null;
  declare createdAt: Date;
}
