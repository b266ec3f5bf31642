// Owns the catalog's tables as Objection models: partners, offers and their voucher codes.

import type { Eligibility } from '../members/eligibility.ts';
import { TenantRow } from '../tenancy/model.ts';
import type { LedgerAccess } from '../tenancy/scope.ts';

export type PartnerStage = 'profiling' | 'offer_setup' | 'eligibility' | 'uat' | 'live' | 'suspended';

export interface PartnerProfile {
  category?: string;
  geographies?: string[];
  rewardTypes?: string[];
  audience?: string;
}

export class Partner extends TenantRow {
  static override tableName = 'partners';
  static override jsonAttributes = ['profile', 'eligibility'];
  declare id: string;
  declare name: string;
  declare ledgerAccess: LedgerAccess;
  declare sourcedBy: 'network' | 'client';
  declare stage: PartnerStage;
  declare profile: PartnerProfile;
  declare eligibility: Eligibility | null;
  declare uatKeyId: string | null;
  declare wentLiveAt: Date | null;
  declare createdAt: Date;
  declare updatedAt: Date;
}

export class OfferTerms extends TenantRow {
  static override tableName = 'offer_terms';
  declare id: string;
  declare offerId: string;
  declare version: number;
  declare text: string;
  declare createdAt: Date;
}

export interface UatStep {
  step: string;
  ok: boolean;
  detail: string;
}

export class UatRun extends TenantRow {
  static override tableName = 'partner_uat_runs';
  static override jsonAttributes = ['steps'];
  declare id: string;
  declare partnerId: string;
  declare offerId: string | null;
  declare passed: boolean;
  declare steps: UatStep[];
  declare createdAt: Date;
}

export type Denominations = { fixed: number[] } | { min: number; max: number; step: number };

export class Offer extends TenantRow {
  static override tableName = 'offers';
  static override jsonAttributes = ['denominations', 'eligibility'];
  declare id: string;
  declare partnerId: string;
  declare name: string;
  declare type: 'gift_card' | 'experience' | 'merchandise' | 'wallet';
  declare currency: string;
  declare denominations: Denominations;
  declare expiryDays: number | null;
  declare country: string | null;
  declare eligibility: Eligibility | null;
  // Points per unit of the denomination: the marketplace's price. Without it the offer is not listed.
  declare pointsPerUnit: number | string | null;
  declare createdAt: Date;
}

export class VoucherCode extends TenantRow {
  static override tableName = 'voucher_codes';
  declare id: string;
  declare offerId: string;
  declare denomination: number;
  declare code: string;
  declare issuanceId: string | null;
  declare orderId: string | null;
  declare assignedAt: Date | null;
  declare voidedAt: Date | null;
  declare redeemedAt: Date | null;
  declare createdAt: Date;
}
