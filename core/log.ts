// Owns the process logger: JSON lines (pino) on stdout.
import { type Logger, pino } from 'pino';

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'tessera' }, timestamp: pino.stdTimeFunctions.isoTime });
}
