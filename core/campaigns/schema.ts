// Owns the Joi shapes of campaigns: rules, rewards, governance and eligibility, as documented.
import Joi from 'joi';
import { eventType } from '../events/types.ts';
import { eligibility, where } from '../members/eligibility.ts';
import { memberFields, memberRef } from '../members/schema.ts';
import { pageOf } from '../paging.ts';
import { freeForm, nullable } from '../payloads.ts';

const field = Joi.string()
  .pattern(/^data(\.[A-Za-z0-9_]+)+$/)
  .description('a numeric field of the event, e.g. data.amount');
const days = Joi.number().integer().min(1).max(3650);

export const rule = Joi.alternatives()
  .conditional('.type', {
    switch: [
      { is: 'each', then: Joi.object({ type: 'each', where }) },
      { is: 'direct', then: Joi.object({ type: 'direct', where }) },
      {
        is: 'threshold',
        then: Joi.object({ type: 'threshold', field: field.required(), min: Joi.number().required(), where }),
      },
      {
        is: 'cumulative',
        then: Joi.object({
          type: 'cumulative',
          field: field.required(),
          target: Joi.number().positive().required(),
          windowDays: days.description('without it, the campaign lifetime'),
          where,
        }),
      },
      {
        is: 'frequency',
        then: Joi.object({
          type: 'frequency',
          count: Joi.number().integer().min(1).max(1000).required(),
          windowDays: days.required(),
          where,
        }),
      },
    ],
    otherwise: Joi.object({
      type: Joi.string().valid('each', 'threshold', 'cumulative', 'frequency', 'direct').required(),
    }).unknown(true),
  })
  .label('Rule');

export const reward = Joi.alternatives()
  .conditional('.type', {
    switch: [
      {
        is: 'points',
        then: Joi.object({
          type: 'points',
          amount: Joi.number().integer().min(1).max(1_000_000_000).required(),
        }),
      },
      {
        is: 'voucher',
        then: Joi.object({
          type: 'voucher',
          offerId: Joi.string().guid().required(),
          denomination: Joi.number().integer().min(1).required(),
        }),
      },
    ],
    otherwise: Joi.object({ type: Joi.string().valid('points', 'voucher').required() }).unknown(true),
  })
  .label('Reward');

const governance = {
  startsAt: Joi.date().iso(),
  endsAt: Joi.date().iso(),
  maxRewards: Joi.number().integer().min(1).allow(null),
  perMemberCap: Joi.object({ count: Joi.number().integer().min(1).required(), periodDays: days }).allow(null),
  budget: Joi.object({ amount: Joi.number().integer().min(1).required() }).allow(null),
  delivery: Joi.object({
    channels: Joi.array()
      .items(Joi.string().valid('sms', 'email', 'whatsapp'))
      .min(1)
      .unique()
      .required(),
  })
    .allow(null)
    .description("the order its rewards try the channels in, after the member's preferred one"),
};

export const campaignInput = Joi.object({
  name: Joi.string().trim().min(1).max(200).required(),
  ...governance,
  startsAt: governance.startsAt.required(),
  endsAt: governance.endsAt.greater(Joi.ref('startsAt')).required(),
  trigger: Joi.object({
    eventType: eventType.required(),
    rule: rule.required(),
  }).required(),
  reward: reward.required(),
  approval: Joi.string().valid('auto', 'manual').default('auto'),
  eligibility: eligibility.default({}),
}).label('CampaignInput');

// Everything of a draft may change; of an active or paused campaign, only dates, caps and budget.
export const campaignEdit = Joi.object({
  name: Joi.string().trim().min(1).max(200),
  ...governance,
  trigger: campaignInput.extract('trigger').optional(),
  reward: reward,
  approval: Joi.string().valid('auto', 'manual'),
  eligibility,
})
  .min(1)
  .label('CampaignEdit');

export const simulatedEvent = Joi.object({
  type: Joi.string().max(100).required(),
  source: Joi.string().max(100).default('simulation'),
  memberRef: memberRef.required(),
  member: memberFields,
  occurredAt: Joi.date().iso(),
  data: freeForm().default({}),
}).label('SimulatedEvent');

export const campaignAnswer = Joi.object({
  id: Joi.string().guid().required(),
  name: Joi.string().required(),
  status: Joi.string().valid('draft', 'active', 'paused', 'ended').required(),
  startsAt: Joi.date().required(),
  endsAt: Joi.date().required(),
  trigger: Joi.object({ eventType: Joi.string().required(), rule: Joi.object().unknown(true).required() })
    .required()
    .label('Trigger'),
  reward: Joi.object({ type: Joi.string().valid('points', 'voucher').required() })
    .unknown(true)
    .required()
    .label('CampaignReward'),
  approval: Joi.string().valid('auto', 'manual').required(),
  maxRewards: nullable(Joi.number().integer()),
  perMemberCap: nullable(Joi.object().unknown(true)),
  budget: nullable(Joi.object().unknown(true)),
  delivery: nullable(Joi.object({ channels: Joi.array().items(Joi.string()) })),
  eligibility: Joi.object().unknown(true).required(),
  stats: Joi.object({
    issued: Joi.number().integer().required(),
    fulfilled: Joi.number().integer().required(),
    pending: Joi.number().integer().required(),
    remaining: nullable(Joi.number().integer()),
    budgetSpent: Joi.number().integer().required(),
    budgetReserved: Joi.number().integer().required(),
    budgetRemaining: nullable(Joi.number().integer()),
  })
    .required()
    .label('CampaignStats'),
  createdAt: Joi.date().required(),
  updatedAt: Joi.date().required(),
}).label('Campaign');

export const campaignPage = pageOf(campaignAnswer, 'CampaignPage');

// What an event produced (or would produce) for one campaign.
export const outcomeAnswer = Joi.object({
  outcome: Joi.string()
    .valid(
      'issued',
      'outside_dates',
      'not_eligible',
      'progress',
      'member_cap_reached',
      'campaign_cap_reached',
      'budget_exhausted',
    )
    .required(),
  campaignId: Joi.string().guid().required(),
  campaign: Joi.string().required(),
})
  .unknown(true)
  .label('CampaignOutcome');

export const simulationAnswer = Joi.object({
  campaignId: Joi.string().guid().required(),
  simulated: Joi.boolean().valid(true).required(),
  results: Joi.array()
    .items(
      outcomeAnswer
        .keys({ index: Joi.number().integer(), memberRef: Joi.string() })
        .label('SimulatedOutcome'),
    )
    .required(),
}).label('Simulation');
