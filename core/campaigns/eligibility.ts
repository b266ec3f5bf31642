// Owns who may earn a campaign's rewards: segments (any of), tiers, countries and attribute conditions.
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
