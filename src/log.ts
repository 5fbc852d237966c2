/** Structured logs (pino) to stderr, so stdout stays clean for --json output. */
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

export function createLogger(level: string = process.env.VIGIL_LOG_LEVEL ?? 'warn'): Logger {
  return pino({ level, base: { name: 'vigil' } }, pino.destination(2));
}

/** A logger that drops everything, for tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
