// Owns the campaign engine's tables as Objection models: campaigns (rule, reward, governance counters)
// and each member's progress towards a campaign's rule.
import { Model } from 'objection';
import type { Reward } from '../issuance/model.ts';
import type { IssuingCampaign } from '../issuance/service.ts';
import type { Eligibility } from '../members/eligibility.ts';
import { TenantRow } from '../tenancy/model.ts';
import type { CampaignStatus } from './lifecycle.ts';
import type { ProgressState, Rule } from './rules.ts';

// The issuance module reads a campaign as an IssuingCampaign; this model is that and more.
export class Campaign extends TenantRow implements IssuingCampaign {
  static override tableName = 'campaigns';
  static override jsonAttributes = ['rule', 'reward', 'eligibility', 'delivery'];
  declare id: string;
  declare name: string;
  declare status: CampaignStatus;
  declare startsAt: Date;
  declare endsAt: Date;
  declare eventType: string;
  declare rule: Rule;
  declare reward: Reward;
  // What one reward costs against the budget: points, or the voucher's denomination.
  declare rewardCost: number;
  declare approval: 'auto' | 'manual';
  declare maxRewards: number | null;
  declare memberCapCount: number | null;
  declare memberCapPeriodDays: number | null;
  declare budget: number | null;
  declare eligibility: Eligibility;
  declare delivery: { channels: Array<'sms' | 'email' | 'whatsapp'> } | null;
  declare rewardsTaken: number;
  declare budgetTaken: number;
  declare rewardsFulfilled: number;
  declare budgetSpent: number;
  declare createdAt: Date;
  declare updatedAt: Date;
}

export class CampaignProgress extends Model {
  static override tableName = 'campaign_progress';
  static override idColumn = ['campaignId', 'memberId'];
  static override jsonAttributes = ['entries'];
  declare campaignId: string;
  declare memberId: string;
  declare entries: ProgressState['entries'];
  // numeric: read as a string, so that a carried fraction keeps its digits.
  declare carried: string | number;
  declare updatedAt: Date;
}
