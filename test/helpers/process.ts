// Owns Tessera processes under test: `node core/main.ts` or the CLI as real child processes.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { freePort } from '../../core/db/embedded.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

async function ready(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health/ready`)).status === 200;
  } catch {
    return false;
  }
}

// Starts a server on a free port and resolves once it answers ready (a worker-only process, which has no
// HTTP listener, once it logs that it started).
// `checkout` runs another copy of Tessera (a clone elsewhere) instead of this one.
export async function spawnServer(env: Record<string, string>, checkout = ROOT): Promise<ServerProcess> {
  const port = env.PORT ?? String(await freePort());
  const child = spawn(process.execPath, [path.join(checkout, 'core/main.ts')], {
    cwd: checkout,
    env: { ...process.env, LOG_LEVEL: 'info', ...env, PORT: port },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const url = `http://127.0.0.1:${port}`;
  const workerOnly = env.TESSERA_ROLES === 'worker';
  while (!(workerOnly ? output.includes('"msg":"Tessera started"') : await ready(url))) {
    if (child.exitCode !== null)
      throw new Error(`server exited with ${child.exitCode} before it started:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    child,
    url,
    output: () => output,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

// `cwd` is where the CLI runs: its default data directory, ./.tessera, is relative to it.
export async function runCli(args: string[], env: Record<string, string>, cwd = ROOT) {
  const child = spawn(process.execPath, [path.join(ROOT, 'core/cli/tessera.ts'), ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const [code] = await once(child, 'exit');
  return { code: code as number, stdout, stderr };
}
