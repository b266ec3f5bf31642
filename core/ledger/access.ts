// Owns who may use the ledger: admins and integrations always, viewers to read, and partner keys only as
// far as an admin granted their partner ledger access (an external loyalty platform such as Loyalife).
import { domainError } from '../errors.ts';
import type { Scope } from '../tenancy/scope.ts';

// `redeem` covers reading balances and transfers, reserving, confirming, releasing, debiting and
// reversing; `credit` adds crediting points.
export type LedgerRight = 'redeem' | 'credit';

const grants = {
  none: [],
  redeem: ['redeem'],
  redeem_and_credit: ['redeem', 'credit'],
} as const satisfies Record<string, readonly LedgerRight[]>;

// Refuses a partner key whose partner lacks the right; other roles are the routes' role checks' business.
export function requireLedgerRight(scope: Scope, right: LedgerRight): void {
  if (scope.role !== 'partner') return;
  const granted: readonly LedgerRight[] = grants[scope.ledgerAccess ?? 'none'];
  if (granted.includes(right)) return;
  throw domainError(
    403,
    'ledger_access_denied',
    right === 'credit'
      ? 'This partner may not credit points; an admin can grant it with PATCH /v1/partners/{id}'
      : 'This partner has no ledger access; an admin can grant it with PATCH /v1/partners/{id}',
  );
}
