// Owns what connector tests share: asking a connection to sync, and waiting for a run to finish.
import type { TestTessera } from './tessera.ts';

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
