// Registers the ledger module.
import type { Plugin } from '@hapi/hapi';
import { domainError } from '../errors.ts';
import { refuseConstraint } from '../http/errors.ts';
import { ledgerRoutes } from './routes.ts';

// Points are JSON numbers: an account may not grow past Number.MAX_SAFE_INTEGER (migration 0011).
refuseConstraint('ledger_accounts_safe_integers', () =>
  domainError(
    409,
    'balance_limit_exceeded',
    `This movement would take the account past ${Number.MAX_SAFE_INTEGER} points, the most Tessera keeps`,
  ),
);

export const ledger: Plugin<void> = {
  name: 'tessera-ledger',
  register: (server) => server.route(ledgerRoutes(server.app.config)),
};
