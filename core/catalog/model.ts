// Owns the catalog's tables as Objection models: partners and offers.
import { Model } from 'objection';
import type { LedgerAccess } from '../tenancy/scope.ts';

export class Partner extends Model {
  static override tableName = 'partners';
  declare id: string;
  declare tenantId: string;
  declare name: string;
  declare ledgerAccess: LedgerAccess;
  declare createdAt: Date;

  // The tenant is the caller's own: never shown.
  override $formatJson(json: Record<string, unknown>) {
    const { tenantId: _tenant, ...shown } = super.$formatJson(json);
    return shown;
  }
}

export type Denominations = { fixed: number[] } | { min: number; max: number; step: number };

export class Offer extends Model {
  static override tableName = 'offers';
  static override jsonAttributes = ['denominations'];
  declare id: string;
  declare tenantId: string;
  declare partnerId: string;
  declare name: string;
  declare type: 'gift_card' | 'experience' | 'merchandise' | 'wallet';
  declare currency: string;
  declare denominations: Denominations;
  declare expiryDays: number | null;
  declare country: string | null;
  declare createdAt: Date;

  // The tenant is the caller's own: never shown.
  override $formatJson(json: Record<string, unknown>) {
    const { tenantId: _tenant, ...shown } = super.$formatJson(json);
    return shown;
  }
}
