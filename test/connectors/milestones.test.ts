// HR milestones end to end: members an HR connection brought in get `hr.anniversary` and `hr.birthday`
// events on their date in the connection's own time zone, exactly once per year however often the
// schedule runs; the README's anniversary campaign rewards the 1st, 5th and 10th years.
import t, { type Test } from 'tap';
import { localDate, takeMilestones } from '../../connectors/framework/milestones.ts';
import { runFinished } from '../helpers/connectors.ts';
import { startTestTessera, type TestTessera } from '../helpers/tessera.ts';

// UTC+14 and UTC−11: their dates are never the same.
const EAST = 'Pacific/Kiritimati';
const WEST = 'Pacific/Pago_Pago';

function dayIn(timeZone: string, yearsAgo: number) {
  const { year, month, day } = localDate(new Date(), timeZone);
  return `${year - yearsAgo}-${month}-${day}`;
}

async function hrConnection(t: Test, app: TestTessera, name: string, timeZone: string, rows: string[]) {
  const created = await app.api('POST', '/v1/connections', {
    body: {
      type: 'hr-file',
      name,
      config: {
        columns: { externalRef: 'id' },
        attributes: { hireDate: 'hired', dateOfBirth: 'born' },
        milestones: { timeZone, anniversary: { field: 'hireDate' }, birthday: { field: 'dateOfBirth' } },
      },
    },
  });
  t.equal(created.status, 201, JSON.stringify(created.body));
  const sent = await app.api('POST', `/v1/connections/${created.body.id}/files`, {
    raw: `id,hired,born\n${rows.join('\n')}\n`,
    headers: { 'content-type': 'text/csv' },
  });
  t.equal((await runFinished(app.api, sent.body.runId)).status, 'succeeded');
}

async function milestoneEvents(app: TestTessera) {
  const rows = await app
    .db('sourceEvents')
    .whereIn('type', ['hr.anniversary', 'hr.birthday'])
    .orderBy('sourceEventId');
  return rows.map((row) => [row.source, row.sourceEventId, row.type, row.data]);
}

t.test('milestones come on the local date of each connection, once per member per year', async (t) => {
  const app = await startTestTessera(t, { TESSERA_MILESTONES_CRON: '* * * * * *' });
  const campaign = await app.api('POST', '/v1/campaigns', {
    body: {
      name: 'Work anniversaries',
      startsAt: '2026-01-01T00:00:00Z',
      endsAt: '2099-01-01T00:00:00Z',
      trigger: {
        eventType: 'hr.anniversary',
        rule: { type: 'each', where: [{ path: 'data.years', op: 'in', value: [1, 5, 10] }] },
      },
      reward: { type: 'points', amount: 500 },
    },
  });
  t.equal(campaign.status, 201, JSON.stringify(campaign.body));
  t.equal((await app.api('POST', `/v1/campaigns/${campaign.body.id}/activate`)).status, 200);
  const year = localDate(new Date(), EAST).year;
  await hrConnection(t, app, 'hr-east', EAST, [
    `E5,${dayIn(EAST, 5)},1990-01-01`,
    `E3,${dayIn(EAST, 3)},`,
    `EW,${dayIn(WEST, 5)},`,
    `E0,${dayIn(EAST, 0)},${dayIn(EAST, 30)}`,
  ]);
  await hrConnection(t, app, 'hr-west', WEST, [`W10,${dayIn(WEST, 10)},`, `WE,${dayIn(EAST, 10)},`]);
  const westYear = localDate(new Date(), WEST).year;

  const expected = [
    ['hr-east', `anniversary:E3:${year}`, 'hr.anniversary', { years: 3, hireDate: dayIn(EAST, 3) }],
    ['hr-east', `anniversary:E5:${year}`, 'hr.anniversary', { years: 5, hireDate: dayIn(EAST, 5) }],
    ['hr-west', `anniversary:W10:${westYear}`, 'hr.anniversary', { years: 10, hireDate: dayIn(WEST, 10) }],
    ['hr-east', `birthday:E0:${year}`, 'hr.birthday', { birthday: dayIn(EAST, 30).slice(5) }],
  ];
  let events: unknown[] = [];
  for (let i = 0; i < 200 && events.length < expected.length; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    events = await milestoneEvents(app);
  }
  t.equal(events.length, expected.length, 'the schedule took them in');
  // Two more runs of the schedule, and two passes at once: nothing new.
  await new Promise((resolve) => setTimeout(resolve, 2200));
  await Promise.all([takeMilestones(app.db), takeMilestones(app.db)]);
  t.same(await milestoneEvents(app), expected);

  const rewarded = await app.api('GET', `/v1/issuances?campaignId=${campaign.body.id}`);
  t.same(rewarded.body.data.map((issuance: { memberRef: string }) => issuance.memberRef).sort(), [
    'E5',
    'W10',
  ]);
  const e5 = (await app.api('GET', '/v1/members/E5/balance')).body;
  t.equal(e5.available, 500);
});
