// Owns the inbound tables as Objection models: the signed sources that push events into Tessera, and
// one row per accepted webhook-id, which answers a redelivery.
import { Model } from 'objection';
import { TenantRow } from '../../core/tenancy/model.ts';

export class InboundSource extends TenantRow {
  static override tableName = 'inbound_sources';
  declare id: string;
  declare name: string;
  declare kind: string;
  declare secret: string;
  // bigint counters, read as strings.
  declare acceptedCount: string | number;
  declare rejectedCount: string | number;
  declare lastRejectedAt: Date | null;
  declare lastRejection: string | null;
  // A connection's own source (a POS feed): its connector reads what arrives.
  declare connectionId: string | null;
  declare createdAt: Date;
}

export class InboundDelivery extends Model {
  static override tableName = 'inbound_deliveries';
  static override idColumn = ['sourceId', 'webhookId'];
  // json, not jsonb: a redelivery gets the first answer byte for byte.
  static override jsonAttributes = ['answer'];
  declare sourceId: string;
  declare webhookId: string;
  declare statusCode: number;
  declare answer: unknown;
  declare createdAt: Date;
}
