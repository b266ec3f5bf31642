// Owns the audit_log table as an Objection model: one entry, as stored and as shown.
import { TenantRow } from '../tenancy/model.ts';

export class AuditRecord extends TenantRow {
  static override tableName = 'audit_log';
  declare id: number;
  declare actorKeyId: string | null;
  declare actorRole: string;
  declare action: string;
  declare entityType: string;
  declare entityId: string;
  declare requestId: string | null;
  declare summary: string;
  declare createdAt: Date;

  // The id is a bigint: shown as a string, as event ids are.
  override $formatJson(json: Record<string, unknown>) {
    const shown = super.$formatJson(json);
    return { ...shown, id: String(shown.id) };
  }
}
