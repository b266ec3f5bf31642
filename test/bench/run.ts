// `npm run bench -- <name>`: runs one benchmark from test/bench/, or lists them.
import { readdir } from 'node:fs/promises';

const available = (await readdir(import.meta.dirname))
  .filter((file) => file.endsWith('.bench.ts'))
  .map((file) => file.replace('.bench.ts', ''));
const name = process.argv[2];
if (!name || !available.includes(name)) {
  process.stdout.write(
    `Usage: npm run bench -- <name>\nBenchmarks: ${available.join(', ') || '(none yet)'}\n`,
  );
  process.exit(name ? 2 : 0);
}
await import(`./${name}.bench.ts`);
