// Owns the complaints table as an Objection model.
import { TenantRow } from '../tenancy/model.ts';
import type { Priority } from '../tenancy/settings.ts';

export type ComplaintStatus = 'open' | 'in_progress' | 'resolved' | 'closed';

export interface ComplaintNote {
  at: string;
  by: string | null;
  kind: 'comment' | 'reissue' | 'reverse' | 'resend';
  text: string;
}

export class Complaint extends TenantRow {
  static override tableName = 'complaints';
  static override jsonAttributes = ['notes'];
  declare id: string;
  declare issuanceId: string | null;
  // The reward message complained about, when the complaint names one.
  declare deliveryId: string | null;
  // The redemption complained about (a code that did not work at the till).
  declare redemptionId: string | null;
  declare category: 'code_not_working' | 'not_received' | 'wrong_amount' | 'other';
  declare description: string;
  declare priority: Priority;
  declare status: ComplaintStatus;
  declare assignee: string | null;
  declare dueAt: Date;
  declare breachedAt: Date | null;
  declare resolvedAt: Date | null;
  declare closedAt: Date | null;
  declare notes: ComplaintNote[];
  declare createdAt: Date;
  declare updatedAt: Date;
}
