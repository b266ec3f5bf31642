// Owns the idempotency records as an Objection model: the first answer to an Idempotency-Key, per API key.
import { Model } from 'objection';

export class IdempotencyRecord extends Model {
  static override tableName = 'idempotency_keys';
  static override idColumn = ['tenantId', 'apiKeyId', 'key'];
  declare tenantId: string;
  declare apiKeyId: string;
  declare key: string;
  declare fingerprint: string;
  declare status: 'in_progress' | 'completed';
  declare responseStatus: number | null;
  // Any JSON value, a bare string included, so it is encoded here rather than as a json attribute
  // (Objection encodes only objects and arrays).
  declare responseBody: unknown;
  declare lockedAt: Date;
  declare createdAt: Date;
}
