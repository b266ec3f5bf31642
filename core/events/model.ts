// Owns the events table (the outbox) as an Objection model. Every tenant's events are read by the
// fan-out and the live hub, so the tenant stays on the row.
import { Model } from 'objection';

export class OutboxEvent extends Model {
  static override tableName = 'events';
  static override jsonAttributes = ['data'];
  // bigint identity, read as a string by pg.
  declare id: string | number;
  // The writing transaction's id (xid8): readers order by (txId, id) and read only below the oldest
  // transaction still running, so a row that commits late is never skipped.
  declare txId: string;
  declare tenantId: string;
  declare type: string;
  declare subject: string | null;
  declare data: Record<string, unknown>;
  declare createdAt: Date;
}
