// Owns the webhook endpoints table's row: one model for the endpoint service and the delivery's claim.
import { Model, type ModelObject } from 'objection';

export class WebhookEndpoint extends Model {
  static override tableName = 'webhook_endpoints';
  declare id: string;
  declare tenantId: string;
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
