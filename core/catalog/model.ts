// Owns the catalog's tables as Objection models: partners.
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
