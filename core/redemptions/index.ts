// Registers redemptions: recording, validating and reading them, partners' UAT runs, stats and exports,
// and the schedules that roll settled redemptions up, make the monthly reconciliation and anonymise
// what retention has passed (worker processes, one at a time).
import type { Plugin } from '@hapi/hapi';
import { reconcileLastMonth } from './exports.ts';
import { reportRoutes } from './report-routes.ts';
import { anonymiseExpired } from './retention.ts';
import { redemptionRoutes } from './routes.ts';
import { rollUpAll } from './stats.ts';

export const redemptions: Plugin<void> = {
  name: 'tessera-redemptions',
  register: (server) => {
    const { jobs, config } = server.app;
    server.route([...redemptionRoutes, ...reportRoutes]);
    jobs.schedule({ name: 'redemption-rollup', cron: config.redemptionRollupCron, run: rollUpAll });
    jobs.schedule({
      name: 'reconciliation',
      cron: config.reconciliationCron,
      run: (db) => reconcileLastMonth(db),
    });
    jobs.schedule({ name: 'redemption-retention', cron: config.retentionCron, run: anonymiseExpired });
  },
};
