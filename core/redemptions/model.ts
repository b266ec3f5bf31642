// Owns the redemptions table as an Objection model: one redemption of a partner's offer.
import { TenantRow } from '../tenancy/model.ts';

export type RedemptionStatus = 'successful' | 'pending' | 'failed';
export type RedemptionChannel = 'online' | 'in_store' | 'app' | 'call_centre';
export type ValidationMethod = 'otp' | 'pin' | 'qr' | 'code' | 'none';

export class Redemption extends TenantRow {
  static override tableName = 'redemptions';
  declare id: string;
  declare offerId: string;
  declare partnerId: string;
  declare codeId: string | null;
  declare memberId: string | null;
  declare memberRef: string | null;
  declare tierToken: string | null;
  declare channel: RedemptionChannel;
  declare location: string | null;
  declare storeId: string | null;
  declare validationMethod: ValidationMethod;
  declare status: RedemptionStatus;
  declare failureReason: string | null;
  declare otpHash: string | null;
  declare otpExpiresAt: Date | null;
  declare validationAttempts: number;
  // The code's denomination, when redeemed by code.
  declare amount: number | null;
  declare anonymisedAt: Date | null;
  declare occurredAt: Date;
  declare createdAt: Date;
  declare updatedAt: Date;
}
