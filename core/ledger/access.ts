// Owns who may use the ledger: admins and integrations always, viewers to read, and partner keys only as
// far as an admin granted their partner ledger access (an external loyalty platform such as Loyalife).
import type { Request, ResponseToolkit } from '@hapi/hapi';
import { scopeOf } from '../http/context.ts';
import { domainError } from '../http/errors.ts';

// `redeem` covers reading balances and transfers, reserving, confirming, releasing, debiting and
// reversing; `credit` adds crediting points.
export type LedgerRight = 'redeem' | 'credit';

const grants = {
  none: [],
  redeem: ['redeem'],
  redeem_and_credit: ['redeem', 'credit'],
} as const satisfies Record<string, readonly LedgerRight[]>;

// A route prerequisite: refuses a partner key whose partner lacks the right.
export function partnerNeeds(right: LedgerRight) {
  return {
    method: (request: Request, h: ResponseToolkit) => {
      const scope = scopeOf(request);
      if (scope.role !== 'partner') return h.continue;
      const granted: readonly LedgerRight[] = grants[scope.ledgerAccess ?? 'none'];
      if (!granted.includes(right))
        throw domainError(
          403,
          'ledger_access_denied',
          right === 'credit'
            ? 'This partner may not credit points; an admin can grant it with PATCH /v1/partners/{id}'
            : 'This partner has no ledger access; an admin can grant it with PATCH /v1/partners/{id}',
        );
      return h.continue;
    },
  };
}
