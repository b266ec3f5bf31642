// Owns a campaign's lifecycle as a transition table: draft → active ⇄ paused → ended.
export type CampaignStatus = 'draft' | 'active' | 'paused' | 'ended';
export type CampaignAction = 'activate' | 'pause' | 'end';

export const LIFECYCLE: Record<
  CampaignAction,
  { from: CampaignStatus[]; to: CampaignStatus; event: string }
> = {
  activate: { from: ['draft', 'paused'], to: 'active', event: 'campaign.activated' },
  pause: { from: ['active'], to: 'paused', event: 'campaign.paused' },
  end: { from: ['active', 'paused'], to: 'ended', event: 'campaign.ended' },
};

// What may change while a campaign runs: its dates, caps and budget; a draft may change entirely.
export const EDITABLE_WHILE_RUNNING = [
  'startsAt',
  'endsAt',
  'maxRewards',
  'perMemberCap',
  'budget',
  'delivery',
];
