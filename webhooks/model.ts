// Owns the webhook tables as Objection models: endpoints, the messages fanned out to them and each
// delivery attempt. The delivery's claim queries read the same rows as raw SQL (webhooks/delivery.ts).
import { Model, type ModelObject } from 'objection';
import { TenantRow } from '../core/tenancy/model.ts';

export class WebhookEndpoint extends TenantRow {
  static override tableName = 'webhook_endpoints';
  declare id: string;
  declare partnerId: string | null;
  declare url: string;
  declare description: string | null;
  declare eventTypes: string[];
  declare enabled: boolean;
  declare disabledReason: string | null;
  declare secret: string;
  // During a rotation, deliveries are signed with this one too, until previousSecretUntil.
  declare previousSecret: string | null;
  declare previousSecretUntil: Date | null;
  declare failingSince: Date | null;
  declare createdAt: Date;
  declare updatedAt: Date;
}

// An endpoint row as knex reads it (the delivery's raw claim, the fan-out's subscribers).
export type EndpointRow = ModelObject<WebhookEndpoint>;

export type MessageStatus = 'pending' | 'delivered' | 'failed';

export class WebhookMessage extends TenantRow {
  static override tableName = 'webhook_messages';
  declare id: string;
  declare endpointId: string;
  // The outbox event's id (bigint, read as a string).
  declare eventId: string | number;
  declare eventType: string;
  // The exact body every attempt sends, so that a retry is byte for byte the first try.
  declare body: string;
  declare status: MessageStatus;
  declare attempts: number;
  declare nextAttemptAt: Date | null;
  declare deliveredAt: Date | null;
  // The send lease of the attempt in flight (webhooks/delivery.ts).
  declare sendingUntil: Date | null;
  declare createdAt: Date;
}

export class WebhookAttempt extends Model {
  static override tableName = 'webhook_attempts';
  declare id: string;
  declare messageId: string;
  declare attempt: number;
  declare startedAt: Date;
  declare statusCode: number | null;
  declare durationMs: number;
  declare responseBody: string | null;
  declare error: string | null;
}
