// Owns the loop of an outbox reader that turns committed events into rows of its own (webhook messages,
// reward deliveries): a step reads one batch after its cursor and says whether more may be waiting; the
// loop runs steps back to back while they do, then waits its interval.
import type { Logger } from 'pino';

export function fanOutLoop(
  name: string,
  step: () => Promise<{ more: boolean }>,
  intervalMs: number,
  log: Logger,
): () => Promise<void> {
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const loop = async () => {
    try {
      while (!stopping && (await step()).more) {}
    } catch (error) {
      log.error({ err: error, fanOut: name }, 'fan-out failed');
    }
    if (!stopping) timer = setTimeout(() => (running = loop()), intervalMs);
  };
  running = loop();
  return async () => {
    stopping = true;
    clearTimeout(timer);
    await running;
  };
}
