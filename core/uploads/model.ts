// Owns the upload tables as Objection models: uploads and their staged rows.
import { Model } from 'objection';
import { TenantRow } from '../tenancy/model.ts';

export type UploadStatus =
  | 'receiving'
  | 'validating'
  | 'validated'
  | 'approved'
  | 'dispatching'
  | 'dispatched'
  | 'cancelled';

export class Upload extends TenantRow {
  static override tableName = 'uploads';
  static override jsonAttributes = ['summary'];
  declare id: string;
  declare campaignId: string | null;
  declare status: UploadStatus;
  declare format: 'csv' | 'json';
  declare uploadedBy: string | null;
  declare approvedBy: string | null;
  declare rowsRead: number;
  declare valid: number;
  declare invalid: number;
  declare dispatched: number;
  declare refused: number;
  declare summary: unknown[];
  declare createdAt: Date;
  declare updatedAt: Date;
  declare validatedAt: Date | null;
  declare approvedAt: Date | null;
  declare dispatchedAt: Date | null;
}

export class UploadRow extends Model {
  static override tableName = 'upload_rows';
  static override idColumn = ['uploadId', 'row'];
  static override jsonAttributes = ['errors'];
  declare uploadId: string;
  declare row: number;
  declare rowKey: string | null;
  declare memberRef: string | null;
  declare name: string | null;
  declare email: string | null;
  declare phone: string | null;
  declare channel: string | null;
  declare campaign: string | null;
  declare points: string | null;
  declare denomination: string | null;
  declare note: string | null;
  declare campaignId: string | null;
  declare memberId: string | null;
  declare amount: number | null;
  declare status: 'pending' | 'valid' | 'invalid' | 'dispatched' | 'refused';
  declare errors: Array<{ column: string | null; code: string; message: string }>;
  declare refusal: string | null;
  declare issuanceId: string | null;
}
