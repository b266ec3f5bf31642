import { Writable } from 'node:stream';
import { pino } from 'pino';
import t from 'tap';
import { openDatabase } from '../../core/db/database.ts';
import { Jobs, type ProcessRole } from '../../core/jobs/jobs.ts';
import { startQueue } from '../../core/jobs/queue.ts';
import { freshDatabaseUrl } from '../helpers/tessera.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

// A logger whose lines the test reads.
function capturingLogger() {
  const lines: Array<{ msg: string; err?: { message: string } }> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

const url = await freshDatabaseUrl(t);
const db = openDatabase(url, 5);
t.teardown(() => db.destroy());

// What one process declared, and what it did with it.
function declare(log: string[], handled: string[]) {
  const jobs = new Jobs();
  jobs.queue('test-jobs', { retryLimit: 0 });
  jobs.worker<{ name: string }>({
    queue: 'test-jobs',
    handle: async (data) => {
      handled.push(data.name);
    },
    options: { pollingIntervalSeconds: 0.5 },
  });
  for (const role of ['api', 'worker'] as ProcessRole[]) {
    jobs.service({
      name: `${role}-service`,
      role,
      start: async () => {
        log.push(`start ${role}-service`);
        return async () => {
          log.push(`stop ${role}-service`);
        };
      },
    });
  }
  return jobs;
}

const start = (jobs: Jobs, roles: ProcessRole[], logger = pino({ level: 'silent' })) =>
  jobs.start({ url, db, logger, roles, recoverySeconds: 30, shutdownTimeoutMs: 2000 });

t.test(
  'a process runs what its roles call for; jobs commit with the transaction that enqueued them',
  async (t) => {
    const apiLog: string[] = [];
    const apiHandled: string[] = [];
    const api = declare(apiLog, apiHandled);
    await start(api, ['api']);
    t.same(apiLog, ['start api-service'], 'an API process runs API services only');

    await db.transaction((trx) => api.enqueue(trx, 'test-jobs', [{ data: { name: 'kept' } }]));
    const rolledBack = db.transaction(async (trx) => {
      await api.enqueue(trx, 'test-jobs', [{ data: { name: 'rolled back' } }]);
      throw new Error('the caller fails');
    });
    await t.rejects(rolledBack, /the caller fails/);

    const workerLog: string[] = [];
    const workerHandled: string[] = [];
    const worker = declare(workerLog, workerHandled);
    await start(worker, ['worker']);
    t.same(workerLog, ['start worker-service']);
    await until(() => workerHandled.length > 0, 'the committed job');
    await sleep(1000);
    t.same(workerHandled, ['kept'], 'only the committed job runs, on the worker');
    t.same(apiHandled, [], 'the API process runs no worker');

    await api.stop();
    await worker.stop();
    t.same(apiLog, ['start api-service', 'stop api-service']);
    t.same(workerLog, ['start worker-service', 'stop worker-service']);
  },
);

t.test('enqueueing to a queue nobody declared is a programming error, said at once', async (t) => {
  const jobs = declare([], []);
  await start(jobs, ['api']);
  t.teardown(() => jobs.stop());
  await t.rejects(
    db.transaction((trx) => jobs.enqueue(trx, 'nobody-declared', [{ data: {} }])),
    /no queue named nobody-declared/,
  );
});

t.test('a declared schedule runs on worker processes only', async (t) => {
  const runs: ProcessRole[] = [];
  const processes = (['api', 'worker'] as ProcessRole[]).map((role) => {
    const jobs = new Jobs();
    jobs.schedule({
      name: `every-second-${role}`,
      cron: '* * * * * *',
      run: async () => {
        runs.push(role);
      },
    });
    return { role, jobs };
  });
  for (const { role, jobs } of processes) await start(jobs, [role]);
  await until(() => runs.length >= 2, 'two runs', 5000);
  for (const { jobs } of processes) await jobs.stop();
  t.ok(
    runs.every((role) => role === 'worker'),
    `runs: ${runs.join(', ')}`,
  );
});

t.test("the queue's errors are logged, not dropped", async (t) => {
  const { logger, lines } = capturingLogger();
  const boss = await startQueue({ url, worker: false, recoverySeconds: 30, logger });
  t.teardown(() => boss.stop({ graceful: false, close: true }));
  // pg-boss reports what fails inside it (its maintenance, its listener, a lost connection) this way.
  boss.emit('error', new Error('the queue lost its connection'));
  const logged = lines.find((line) => line.msg === 'job queue error');
  t.equal(logged?.err?.message, 'the queue lost its connection');
});
