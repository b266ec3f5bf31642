// The README's "Your first reward" runs as written (server address aside) against a fresh server: a
// member, an active campaign, an event, the balance, and the issuance on the live feed.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import t, { type Test } from 'tap';
import { ROOT } from '../helpers/process.ts';
import { startTestTessera } from '../helpers/tessera.ts';

// The README's shell blocks after a marker, with the server's address in place of the default one.
async function readmeBlock(marker: string, url: string): Promise<string> {
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf(`<!-- ${marker}`);
  const block = at >= 0 && /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  if (!block) throw new Error(`the README has no ${marker} block`);
  return block[1].replaceAll('http://127.0.0.1:8080', url);
}

// A shell running a script, its output (stdout and stderr) collected as it comes.
function run(t: Test, script: string, env: Record<string, string>) {
  const shell = spawn('bash', ['-c', script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => {
    try {
      process.kill(-(shell.pid as number));
    } catch {}
  });
  const result = { output: '', exited: new Promise((resolve) => shell.on('exit', resolve)) };
  for (const stream of [shell.stdout, shell.stderr])
    stream.on('data', (chunk) => {
      result.output += chunk;
    });
  return result;
}

async function until(check: () => boolean, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
}

t.test(
  "the README's first reward ends in points on the balance and the issuance on the live feed",
  async (t) => {
    const app = await startTestTessera(t);
    const env = { TESSERA_KEY: app.adminKey, TESSERA_URL: app.url };
    const watchBlock = await readmeBlock('first-reward-watch', app.url);
    t.match(watchBlock, /^export TESSERA_KEY=tsk_\.\.\./m, 'the key is exported once, by that name');
    const watch = run(t, `${watchBlock.replace(/^export TESSERA_KEY=.*$/m, '')}\nwait\n`, env);
    await until(() => watch.output.includes('Watching'));

    const steps = run(t, await readmeBlock('first-reward-steps', app.url), env);
    await steps.exited;
    t.match(steps.output, /"outcome":"issued"/, `the event issued a reward:\n${steps.output}`);
    t.match(steps.output, /"available":100\b/, 'the balance shows the points');

    await until(() => watch.output.includes('issuance.fulfilled'));
    for (const type of ['issuance.created', 'ledger.credited', 'issuance.fulfilled'])
      t.match(watch.output, new RegExp(`^${type.replace('.', '\\.')} \\{`, 'm'), `${type} on the live feed`);
    const issuances = await app.api('GET', '/v1/issuances?memberRef=emp-1001');
    t.equal(issuances.body.data[0]?.status, 'fulfilled');
  },
);
