// Owns the tenancy tables as Objection models: tenants and their API keys.
import { Model } from 'objection';
import type { Role } from './scope.ts';

export class Tenant extends Model {
  static override tableName = 'tenants';
  declare id: string;
  declare name: string;
  declare createdAt: Date;
}

export class ApiKey extends Model {
  static override tableName = 'api_keys';
  declare id: string;
  declare tenantId: string;
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
    const { keyHash: _hash, tenantId: _tenant, ...shown } = super.$formatJson(json);
    return shown;
  }
}
