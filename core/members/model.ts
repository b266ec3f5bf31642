// Owns the members table as an Objection model: the row, its jsonb attributes, and what callers see.
import { Model } from 'objection';

export class Member extends Model {
  static override tableName = 'members';
  static override jsonAttributes = ['attributes'];
  declare id: string;
  declare tenantId: string;
  declare externalRef: string;
  declare name: string | null;
  declare email: string | null;
  declare phone: string | null;
  declare whatsapp: string | null;
  declare preferredChannel: 'sms' | 'email' | 'whatsapp' | null;
  declare country: string | null;
  declare tier: string | null;
  declare segments: string[];
  declare attributes: Record<string, unknown>;
  declare createdAt: Date;
  declare updatedAt: Date;

  // The tenant is the caller's own: never shown.
  override $formatJson(json: Record<string, unknown>) {
    const { tenantId: _tenant, ...shown } = super.$formatJson(json);
    return shown;
  }
}
