// Owns the issuances table as an Objection model: one reward a campaign grants a member.
import type { ModelObject } from 'objection';
import { TenantRow } from '../tenancy/model.ts';

export type IssuanceStatus = 'pending_approval' | 'approved' | 'rejected' | 'fulfilled' | 'failed';

export type Reward =
  | { type: 'points'; amount: number }
  | { type: 'voucher'; offerId: string; denomination: number };

export class Issuance extends TenantRow {
  static override tableName = 'issuances';
  static override jsonAttributes = ['reward'];
  declare id: string;
  declare campaignId: string;
  declare memberId: string;
  declare memberRef: string;
  declare origin: 'rule' | 'api' | 'upload';
  declare sourceEventId: string | null;
  declare reason: string | null;
  declare reward: Reward;
  declare cost: number;
  declare status: IssuanceStatus;
  declare failureReason: string | null;
  declare decisionReason: string | null;
  declare transferId: string | null;
  declare voucherCodeId: string | null;
  declare createdAt: Date;
  declare decidedAt: Date | null;
  declare fulfilledAt: Date | null;
  // The upload and its row that made this issuance.
  declare uploadId: string | null;
  declare uploadRow: number | null;
}

// An issuance as the one-statement writes return it (raw SQL, mapped by knex), or as the model reads it.
export type IssuanceRow = ModelObject<Issuance>;
