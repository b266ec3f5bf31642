// HR files end to end: a CSV export (BOM, CRLF, `;`, quoted fields with the delimiter and a newline)
// sent to POST /v1/connections/{id}/files becomes members through a run of trigger `file`; a complete
// export deactivates those it no longer lists, unless a row failed; files run in the order they came;
// Idempotency-Key over a streamed body; the refusals (size, media type, connector, role, empty); and a
// worker killed mid-file, whose run the next worker takes over from the committed row.
import t from 'tap';
import { killAndResume, runFinished, workerEnv } from '../helpers/connectors.ts';
import { spawnServer } from '../helpers/process.ts';
import { apiClient, startTestTessera, type TestTessera } from '../helpers/tessera.ts';

const connection = {
  type: 'hr-file',
  name: 'darwinbox',
  config: {
    columns: { externalRef: 'Employee ID', name: 'Full Name', email: 'Email' },
    attributes: { department: 'Department', hireDate: 'Date of Joining' },
    status: { column: 'Status', inactive: ['Exited'] },
  },
};

const HEADER = 'Employee ID;Full Name;Email;Department;Date of Joining;Status';

async function connect(app: TestTessera) {
  const created = await app.api('POST', '/v1/connections', { body: connection });
  if (created.status !== 201) throw new Error(JSON.stringify(created.body));
  return created.body.id as string;
}

const send = (
  app: TestTessera,
  id: string,
  csv: string,
  options: { query?: string; key?: string; headers?: Record<string, string> } = {},
) =>
  app.api('POST', `/v1/connections/${id}/files${options.query ?? ''}`, {
    raw: csv,
    key: options.key,
    headers: { 'content-type': 'text/csv; charset=utf-8', ...options.headers },
  });

const lines = (...rows: string[]) => `${rows.join('\r\n')}\r\n`;

t.test(
  'an export with a BOM, CRLF and ; becomes members; a complete one deactivates the absent',
  async (t) => {
    const app = await startTestTessera(t);
    const id = await connect(app);
    const integration = await app.keyFor('integration');
    const first = lines(
      `\uFEFF${HEADER}`,
      'D001;"Rao; Priya";PRIYA.RAO@example.com;Sales;2019-12-07;Active',
      'D002;"Meyer, Jonas\r\nJr.";jonas@example.com;"Finance";2021-03-01;Active',
      'D003;Ana Lima;ana@example.com;Ops;2015-06-30;Exited',
      'D004;too few fields',
      ';No Reference;none@example.com;Ops;2020-01-01;Active',
    );
    const sent = await send(app, id, first, { key: integration });
    t.equal(sent.status, 202, JSON.stringify(sent.body));
    t.match(sent.body, { status: 'queued', complete: false, bytes: Buffer.byteLength(first) });
    const run = await runFinished(app.api, sent.body.runId);
    t.equal(run.trigger, 'file');
    t.equal(run.status, 'succeeded', JSON.stringify(run.failure));
    t.same(run.counts, {
      fetched: 5,
      created: 3,
      updated: 0,
      unchanged: 0,
      deactivated: 0,
      skipped: 0,
      failed: 2,
    });
    t.same(
      run.errors.map((error: { record: string; code: string }) => [error.record, error.code]),
      [
        ['row 4', 'column_count'],
        ['row 5', 'member_ref_missing'],
      ],
    );
    t.match((await app.api('GET', '/v1/members/D001')).body, {
      name: 'Rao; Priya',
      email: 'priya.rao@example.com',
      status: 'active',
      attributes: { department: 'Sales', hireDate: '2019-12-07' },
    });
    t.equal((await app.api('GET', '/v1/members/D002')).body.name, 'Meyer, Jonas\r\nJr.');
    t.equal((await app.api('GET', '/v1/members/D003')).body.status, 'inactive');

    // A full export without D002: D002 is deactivated; D003 stays inactive; D005 is new.
    const full = lines(HEADER, 'D001;Rao; Priya;priya.rao@example.com;Sales;2019-12-07;Active');
    const refused = await send(app, id, full, { query: '?complete=true' });
    const broken = await runFinished(app.api, refused.body.runId);
    t.equal(broken.status, 'succeeded');
    t.equal(broken.counts.failed, 1, 'the unquoted ; makes one row too many fields');
    t.equal(broken.errors.at(-1).code, 'absence_skipped');
    t.equal(
      (await app.api('GET', '/v1/members/D002')).body.status,
      'active',
      'a failed row deactivates no one',
    );

    const complete = lines(
      HEADER,
      'D001;"Rao; Priya";priya.rao@example.com;Sales;2019-12-07;Active',
      'D005;Kim Park;kim@example.com;Sales;2024-12-07;Active',
    );
    const done = await runFinished(
      app.api,
      (await send(app, id, complete, { query: '?complete=true' })).body.runId,
    );
    // D002's deactivation is an update too.
    t.same(done.counts, {
      fetched: 2,
      created: 1,
      updated: 1,
      unchanged: 1,
      deactivated: 1,
      skipped: 0,
      failed: 0,
    });
    t.equal((await app.api('GET', '/v1/members/D002')).body.status, 'inactive');
    t.equal((await app.api('GET', '/v1/members/D003')).body.status, 'inactive');
    const deactivated = await app.db('events').where({ type: 'member.deactivated' }).select('data');
    t.same(deactivated.map((row) => row.data.memberRef).sort(), ['D002']);

    // Listed again, a leaver comes back.
    await runFinished(
      app.api,
      (await send(app, id, lines(HEADER, 'D002;J;jonas@example.com;Finance;2021-03-01;Active'))).body.runId,
    );
    t.equal((await app.api('GET', '/v1/members/D002')).body.status, 'active');
  },
);

t.test('files of a connection run one at a time in the order they came', async (t) => {
  const app = await startTestTessera(t);
  const id = await connect(app);
  const runs: string[] = [];
  for (const department of ['One', 'Two', 'Three', 'Four']) {
    const rows = Array.from({ length: 300 }, (_, i) => `E${i};Person ${i};;${department};2020-01-01;Active`);
    runs.push((await send(app, id, lines(HEADER, ...rows))).body.runId);
  }
  const finished = [];
  for (const runId of runs) finished.push(await runFinished(app.api, runId));
  t.same(
    finished.map((run) => run.status),
    ['succeeded', 'succeeded', 'succeeded', 'succeeded'],
  );
  const windows = finished.map((run) => [Date.parse(run.startedAt), Date.parse(run.finishedAt)]);
  for (let i = 1; i < windows.length; i++)
    t.ok(windows[i][0] >= windows[i - 1][1], `file ${i + 1} started after file ${i} ended`);
  t.equal((await app.api('GET', '/v1/members/E299')).body.attributes.department, 'Four');
  t.same(
    finished.map((run) => run.counts.updated),
    [0, 300, 300, 300],
  );
});

t.test(
  'an Idempotency-Key over a streamed file: the same file replays, another file is refused',
  async (t) => {
    const app = await startTestTessera(t, { TESSERA_CONNECTION_FILE_MAX_BYTES: '2048' });
    const id = await connect(app);
    const csv = lines(HEADER, 'K1;Kay;kay@example.com;Ops;2020-01-01;Active');
    const headers = { 'idempotency-key': 'hr-file-2026-12-07' };
    const answers = await Promise.all(Array.from({ length: 8 }, () => send(app, id, csv, { headers })));
    const accepted = answers.filter((answer) => answer.status === 202);
    t.ok(accepted.length >= 1);
    t.equal(new Set(accepted.map((answer) => answer.body.runId)).size, 1, 'one run for the key');
    for (const answer of answers.filter((a) => a.status !== 202))
      t.equal(answer.body.error.code, 'idempotency_in_progress');
    const again = await send(app, id, csv, { headers });
    t.equal(again.status, 202);
    t.equal(again.headers.get('idempotent-replayed'), 'true');
    t.equal(again.body.runId, accepted[0].body.runId);
    const other = await send(app, id, `${csv}K2;Other;;Ops;2020-01-01;Active\r\n`, { headers });
    t.equal(other.status, 422);
    t.equal(other.body.error.code, 'idempotency_key_reused');
    t.equal(
      (await app.db('connectorRuns').where({ connectionId: id })).length,
      1,
      'refused files leave no run',
    );
    t.equal((await app.db('connectionFiles').where({ connectionId: id })).length, 1, 'and no file');

    const big = await send(
      app,
      id,
      lines(HEADER, ...Array.from({ length: 60 }, (_, i) => `B${i};Name ${i};;Ops;2020-01-01;Active`)),
    );
    t.equal(big.status, 413);
    t.equal(big.body.error.code, 'payload_too_large');
    const json = await app.api('POST', `/v1/connections/${id}/files`, { body: { rows: [] } });
    t.equal(json.status, 415);
    t.equal(json.body.error.code, 'unsupported_media_type');
    const empty = await send(app, id, '');
    t.equal(empty.status, 400);
    t.equal(empty.body.error.code, 'file_empty');
    const viewer = await send(app, id, csv, { key: await app.keyFor('viewer') });
    t.equal(viewer.status, 403);
    const workday = await app.api('POST', '/v1/connections', {
      body: {
        type: 'workday',
        name: 'workday',
        config: {
          baseUrl: 'http://127.0.0.1:9',
          tenant: 't',
          report: { owner: 'o', name: 'r' },
          fields: { externalRef: 'id' },
        },
        credentials: { username: 'u', password: 'p' },
      },
    });
    const notFiles = await send(app, workday.body.id, csv);
    t.equal(notFiles.status, 409);
    t.equal(notFiles.body.error.code, 'files_not_accepted');
    t.equal((await app.db('connectorRuns').where({ connectionId: id })).length, 1);

    await app.api('PATCH', `/v1/connections/${id}`, { body: { status: 'paused' } });
    const paused = await send(app, id, csv);
    t.equal(paused.status, 409);
    t.equal(paused.body.error.code, 'connection_paused');
    await app.api('PATCH', `/v1/connections/${id}`, { body: { status: 'active' } });

    const headless = await send(app, id, 'Name;Email\r\nKay;kay@example.com\r\n');
    const failed = await runFinished(app.api, headless.body.runId);
    t.equal(failed.status, 'failed');
    t.equal(failed.failure.code, 'csv_columns_missing');
  },
);

t.test('a worker killed while reading a file: the run that takes over resumes from its row', async (t) => {
  const { env, adminKey } = await workerEnv(t);
  const process = await spawnServer(env);
  const api = apiClient(process.url, adminKey);
  const id = (await api('POST', '/v1/connections', { body: connection })).body.id;
  const rows = Array.from({ length: 20_000 }, (_, i) => `R${i};Person ${i};;Ops;2020-01-01;Active`);
  const sent = await api('POST', `/v1/connections/${id}/files`, {
    raw: lines(HEADER, ...rows),
    headers: { 'content-type': 'text/csv' },
  });
  const { runs, api: again } = await killAndResume(t, { process, env, adminKey }, id, sent.body.runId, 1000);
  t.equal(runs.length, 2, JSON.stringify(runs));
  t.equal(runs[1].failure?.code, 'interrupted');
  t.ok(runs[1].counts.fetched < 20_000, `killed mid-file, after ${runs[1].counts.fetched} rows`);
  t.equal(runs[0].counts.fetched + runs[1].counts.fetched, 20_000, 'each row read once');
  t.equal(runs[0].counts.created + runs[1].counts.created, 20_000, 'each member created once');
  t.equal((await again('GET', '/v1/members/R19999')).body.name, 'Person 19999');
});
