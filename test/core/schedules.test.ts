// The schedules that complaints, delivery and redemptions declare, as users get them (no TESSERA_*
// schedule variable set): each is declared with its default cron, and one run through runOnce, as the
// cron would start it, does its work.
import t from 'tap';
import { runOnce } from '../../core/jobs/schedules.ts';
import { startTestTessera } from '../helpers/tessera.ts';

t.test('the declared schedules, with their defaults, each run once', async (t) => {
  const app = await startTestTessera(t);
  const { jobs } = app.tessera.server.app;
  const expected = {
    'complaint-sla': '* * * * *',
    'redemption-rollup': '*/10 * * * *',
    reconciliation: '0 3 1 * *',
    'redemption-retention': '30 2 * * *',
    'delivery-report-purge': '0 4 * * *',
  };
  for (const [name, cron] of Object.entries(expected)) {
    const schedule = jobs.scheduled(name);
    t.equal(schedule?.cron, cron, `${name} runs on ${cron} by default`);
  }
  const ran = async (name: string) =>
    runOnce(app.db, jobs.scheduled(name) as NonNullable<ReturnType<typeof jobs.scheduled>>);
  t.same(await ran('complaint-sla'), { ran: true, result: undefined }, 'nothing is late');
  t.same(await ran('redemption-rollup'), { ran: true, result: { groups: 0 } });
  t.match(
    await ran('reconciliation'),
    { ran: true, result: { made: 1 } },
    "last month's file for the tenant",
  );
  t.same(await ran('reconciliation'), { ran: true, result: { made: 0 } }, 'once');
  t.same(await ran('redemption-retention'), { ran: true, result: { anonymised: 0 } });
  t.same(await ran('delivery-report-purge'), { ran: true, result: { purged: 0 } });
  t.equal((await app.api('GET', '/v1/exports')).body.data.length, 1);
});
