// Owns who a campaign, a partner or an offer is for: segments (any of), tiers, countries and attribute
// conditions (HR attributes such as department, grade, location); their Joi shapes and the evaluator.
import Joi from 'joi';
import { countryCode } from '../payloads.ts';
import { allHold, type Condition } from './conditions.ts';

export interface Eligibility {
  segments?: string[];
  tiers?: string[];
  countries?: string[];
  attributes?: Condition[];
}

export interface EligibleMember {
  segments: string[];
  tier: string | null;
  country: string | null;
  attributes: Record<string, unknown>;
}

export function isEligible(rules: Eligibility, member: EligibleMember): boolean {
  if (rules.segments?.length && !rules.segments.some((s) => member.segments.includes(s))) return false;
  if (rules.tiers?.length && !(member.tier && rules.tiers.includes(member.tier))) return false;
  if (rules.countries?.length && !(member.country && rules.countries.includes(member.country))) return false;
  return allHold(rules.attributes, member);
}

const condition = Joi.object({
  path: Joi.string()
    .pattern(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/)
    .max(200)
    .required(),
  op: Joi.string().valid('eq', 'neq', 'in', 'gte', 'lte').required(),
  value: Joi.when('op', {
    is: 'in',
    then: Joi.array()
      .items(Joi.alternatives(Joi.string(), Joi.number(), Joi.boolean()))
      .min(1)
      .required(),
    otherwise: Joi.alternatives(Joi.string(), Joi.number(), Joi.boolean()).required(),
  }),
}).label('Condition');

export const where = Joi.array().items(condition).max(20);

export const eligibility = Joi.object({
  segments: Joi.array().items(Joi.string().max(100)).max(100),
  tiers: Joi.array().items(Joi.string().max(50)).max(100),
  countries: Joi.array().items(countryCode).max(300),
  attributes: where,
}).label('Eligibility');
