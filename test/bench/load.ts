// Owns what benchmarks share: the load loop and report (N concurrent workers for a fixed time, latency
// percentiles), the machine's description, and a Tessera process to measure.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { openDatabase } from '../../core/db/database.ts';
import { apiClient } from '../helpers/api.ts';
import { spawnServer } from '../helpers/process.ts';

export interface LoadResult {
  name: string;
  operations: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// Latencies and failures of one run, and its summary once it is over.
function recorder(name: string) {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  return {
    started,
    done: (since: number) => latencies.push(performance.now() - since),
    failed: (error: unknown) => {
      errors++;
      if (errors <= 3) process.stderr.write(`${name}: ${(error as Error).message}\n`);
    },
    result: (): LoadResult => {
      const elapsed = (performance.now() - started) / 1000;
      latencies.sort((a, b) => a - b);
      return {
        name,
        operations: latencies.length,
        seconds: elapsed,
        perSecond: latencies.length / elapsed,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        errors,
      };
    },
  };
}

// Each worker runs `operation` back to back until the time is up; latency is per operation, in ms.
export async function runLoad(
  name: string,
  concurrency: number,
  seconds: number,
  operation: (worker: number) => Promise<void>,
): Promise<LoadResult> {
  const run = recorder(name);
  const deadline = run.started + seconds * 1000;
  const worker = async (index: number) => {
    while (performance.now() < deadline) {
      const begin = performance.now();
      await operation(index).then(() => run.done(begin), run.failed);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, i) => worker(i)));
  return run.result();
}

// Open loop: operations start on a fixed schedule (`rate` a second) whether or not earlier ones have
// answered, and latency counts from the scheduled start, so that queueing shows in the percentiles.
export async function runOpenLoop(
  name: string,
  rate: number,
  seconds: number,
  operation: () => Promise<void>,
): Promise<LoadResult> {
  const run = recorder(name);
  const inFlight: Promise<unknown>[] = [];
  for (let n = 0; n < Math.round(rate * seconds); n++) {
    const scheduled = run.started + (n * 1000) / rate;
    const wait = scheduled - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    inFlight.push(operation().then(() => run.done(scheduled), run.failed));
  }
  await Promise.all(inFlight);
  return run.result();
}

// `count` members of the default tenant, `<prefix>-<n>`, inserted straight into the database.
export async function seedMembers(
  url: string,
  count: number,
  prefix: string,
  fields: (i: number) => Record<string, unknown> = () => ({}),
): Promise<string[]> {
  const db = openDatabase(url, 2);
  try {
    const tenant = await db('tenants').where({ name: 'default' }).first('id');
    const refs = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
    for (let i = 0; i < refs.length; i += 1000)
      await db('members').insert(
        refs.slice(i, i + 1000).map((externalRef, j) => ({
          tenantId: tenant.id,
          externalRef,
          name: externalRef,
          ...fields(i + j),
        })),
      );
    return refs;
  } finally {
    await db.destroy();
  }
}

// A Tessera process for a benchmark on its database, with an admin key of its own.
export async function benchServer(databaseUrl: string) {
  const adminKey = `tsk_bench_${randomBytes(16).toString('hex')}`;
  const server = await spawnServer({
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    TESSERA_ADMIN_KEY: adminKey,
    // A key of its own: the tests' helpers would bring the test runner (and its time limit) with them.
    TESSERA_SECRET_KEY: randomBytes(32).toString('base64'),
  });
  return { server, adminKey, api: apiClient(server.url, adminKey) };
}

// A process's resident memory now (VmRSS) or at its peak since the last reset (VmHWM), in MiB.
export const rss = (pid: number, field: 'VmRSS' | 'VmHWM') =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) /
  1024;

// Writing 5 to clear_refs resets the peak; answers whether it could.
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

export function report(title: string, results: LoadResult[], ratios: Array<[string, number]>): void {
  const lines = [
    `\n${title}`,
    `machine: ${machine()}`,
    '',
    '| run | operations | ops/s | p50 ms | p99 ms | errors |',
    '|---|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.name} | ${r.operations} | ${r.perSecond.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.errors} |`,
    ),
    '',
    ...ratios.map(([label, value]) => `${label}: ${value.toFixed(2)}×`),
    '',
  ];
  process.stdout.write(lines.join('\n'));
}
