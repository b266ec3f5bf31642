// Owns the marketplace orders table as an Objection model: a member's purchase of a code with points.
import { TenantRow } from '../tenancy/model.ts';

export class MarketplaceOrder extends TenantRow {
  static override tableName = 'marketplace_orders';
  declare id: string;
  declare memberId: string;
  declare memberRef: string;
  declare offerId: string;
  declare partnerId: string;
  declare denomination: number;
  declare points: number | string;
  declare status: 'pending' | 'completed' | 'failed';
  declare failureReason: string | null;
  declare reservationId: string | null;
  declare codeId: string | null;
  declare createdAt: Date;
  declare completedAt: Date | null;
}
