// Owns the tenancy tables as Objection models (tenants and their API keys), and the base of every model
// whose rows belong to a tenant.
import { Model } from 'objection';
import type { Role } from './scope.ts';

// A row of one tenant: the tenant is always the caller's own, so it is never shown.
export class TenantRow extends Model {
  declare tenantId: string;

  override $formatJson(json: Record<string, unknown>) {
    const { tenantId: _tenant, ...shown } = super.$formatJson(json);
    return shown;
  }
}

export class Tenant extends Model {
  static override tableName = 'tenants';
  declare id: string;
  declare name: string;
  declare createdAt: Date;
}

export class ApiKey extends TenantRow {
  static override tableName = 'api_keys';
  declare id: string;
  declare name: string;
  declare role: Role;
  declare partnerId: string | null;
  declare keyPrefix: string;
  declare keyHash: string;
  declare createdAt: Date;
  declare lastUsedAt: Date | null;
  declare revokedAt: Date | null;

  // The hash never leaves the server.
  override $formatJson(json: Record<string, unknown>) {
    const { keyHash: _hash, ...shown } = super.$formatJson(json);
    return shown;
  }
}
