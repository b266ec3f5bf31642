// Owns the delivery tables as Objection models and a delivery's states as a transition table: queued →
// sent → delivered | failed, and queued → failed. A transient failure keeps a delivery queued (or takes a
// sent one back to queued) for its next attempt; a resend takes a failed or sent one back to queued.
// delivered is final: a late or repeated report never moves it.
import { Model } from 'objection';
import { TenantRow } from '../tenancy/model.ts';
import type { Channel } from '../tenancy/settings.ts';

export type DeliveryStatus = 'queued' | 'sent' | 'delivered' | 'failed';

export const TRANSITIONS: Record<DeliveryStatus, DeliveryStatus[]> = {
  queued: ['sent', 'failed'],
  sent: ['delivered', 'failed', 'queued'],
  delivered: [],
  failed: ['queued'],
};

export const canMove = (from: DeliveryStatus, to: DeliveryStatus) => TRANSITIONS[from].includes(to);

export class Delivery extends TenantRow {
  static override tableName = 'deliveries';
  declare id: string;
  declare issuanceId: string;
  declare campaignId: string;
  declare memberId: string;
  declare memberRef: string;
  declare partnerId: string | null;
  declare kind: 'points' | 'voucher';
  declare status: DeliveryStatus;
  declare channel: Channel | null;
  declare connectionId: string | null;
  declare providerId: string | null;
  declare tried: Channel[];
  declare attempts: number;
  declare failureReason: string | null;
  declare failureDetail: string | null;
  declare nextAttemptAt: Date | null;
  declare sendingUntil: Date | null;
  declare createdAt: Date;
  declare updatedAt: Date;
  declare sentAt: Date | null;
  declare deliveredAt: Date | null;
  declare failedAt: Date | null;
}

export type AttemptOutcome = 'sent' | 'delivered' | 'transient' | 'failed';

export class DeliveryAttempt extends Model {
  static override tableName = 'delivery_attempts';
  declare id: string;
  declare deliveryId: string;
  declare at: Date;
  declare channel: Channel;
  declare connectionId: string | null;
  declare address: string | null;
  declare providerId: string | null;
  declare outcome: AttemptOutcome;
  declare reason: string | null;
  declare error: string | null;
}
