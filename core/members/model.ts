// Owns the members table as an Objection model: the row, its jsonb attributes, and what callers see.
import { TenantRow } from '../tenancy/model.ts';

export class Member extends TenantRow {
  static override tableName = 'members';
  static override jsonAttributes = ['attributes'];
  declare id: string;
  declare externalRef: string;
  declare name: string | null;
  declare email: string | null;
  declare phone: string | null;
  declare whatsapp: string | null;
  declare preferredChannel: 'sms' | 'email' | 'whatsapp' | null;
  declare locale: string | null;
  declare optOuts: Array<'sms' | 'email' | 'whatsapp'>;
  declare country: string | null;
  declare tier: string | null;
  declare segments: string[];
  declare attributes: Record<string, unknown>;
  declare status: 'active' | 'inactive';
  declare createdAt: Date;
  declare updatedAt: Date;
}
