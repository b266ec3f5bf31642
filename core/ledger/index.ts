// Registers the ledger module: its routes, its refusals and the reservation expiry sweep.
import type { Plugin } from '@hapi/hapi';
import { domainError } from '../errors.ts';
import { refuseConstraint } from '../http/errors.ts';
import { sweepExpiredReservations } from './expiry.ts';
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
  register: (server) => {
    server.route(ledgerRoutes(server.app.config));
    server.app.jobs.schedule({
      name: 'ledger-expiry',
      cron: server.app.config.ledgerSweepCron,
      // The sweep claims rows with SKIP LOCKED: every worker may run it at once.
      concurrent: true,
      run: (db) => sweepExpiredReservations(db),
    });
  },
};
