// Owns what connector tests share: asking a connection to sync, waiting for a run to finish, and killing
// the worker process in the middle of a run to see another take it over.
import { randomBytes } from 'node:crypto';
import { type ServerProcess, spawnServer } from './process.ts';
import { apiClient, freshDatabaseUrl, TEST_SECRET_KEY, type TestTessera } from './tessera.ts';

type Api = TestTessera['api'];

export async function runFinished(api: Api, runId: string) {
  for (let i = 0; i < 1200; i++) {
    const run = (await api('GET', `/v1/connector-runs/${runId}`)).body;
    if (run.status === 'succeeded' || run.status === 'failed') return run;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`run ${runId} did not finish`);
}

export const syncToEnd = async (api: Api, connectionId: string) =>
  runFinished(api, (await api('POST', `/v1/connections/${connectionId}/sync`)).body.runId);

type Test = Parameters<typeof freshDatabaseUrl>[0];

// A database and the environment for worker processes that a test kills: a dead worker's job is looked
// for every second.
export async function workerEnv(t: Test) {
  const adminKey = `tsk_test_${randomBytes(16).toString('hex')}`;
  const env = {
    DATABASE_URL: await freshDatabaseUrl(t),
    TESSERA_ADMIN_KEY: adminKey,
    TESSERA_SECRET_KEY: TEST_SECRET_KEY,
    TESSERA_WEBHOOK_RECOVERY_SECONDS: '1',
    LOG_LEVEL: 'silent',
  };
  return { env, adminKey };
}

export interface RunView {
  id: string;
  status: string;
  counts: { fetched: number; created: number };
  failure: { code: string } | null;
}

// Once the process running `runId` has committed `fetched` records, it is killed and another started;
// answers the connection's runs once the run that took over has finished (or after a minute).
export async function killAndResume(
  t: Test,
  worker: { process: ServerProcess; env: Record<string, string>; adminKey: string },
  connectionId: string,
  runId: string,
  fetched: number,
  afterKill: () => void = () => {},
) {
  const api = apiClient(worker.process.url, worker.adminKey);
  for (let i = 0; i < 400; i++) {
    if ((await api('GET', `/v1/connector-runs/${runId}`)).body.counts.fetched >= fetched) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await worker.process.stop('SIGKILL');
  afterKill();
  const second = await spawnServer(worker.env);
  t.teardown(() => second.stop('SIGKILL'));
  const again = apiClient(second.url, worker.adminKey);
  let runs: RunView[] = [];
  for (let i = 0; i < 600 && !(runs.length === 2 && runs[0].status === 'succeeded'); i++) {
    runs = (await again('GET', `/v1/connections/${connectionId}/runs`)).body.data;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { runs, api: again };
}
