/** Structured logs (pino) to stderr, so stdout stays clean for --json output. */
import pino, { type Logger } from 'pino';
import { VigilError } from './model/errors.ts';

export type { Logger } from 'pino';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** @throws VigilError VIGIL_CONFIG (rule "log-level") for a level pino does not know (a typo in VIGIL_LOG_LEVEL) */
export function createLogger(level: string = process.env.VIGIL_LOG_LEVEL || 'warn'): Logger {
  if (!LEVELS.includes(level)) throw new VigilError('VIGIL_CONFIG', `log level ${JSON.stringify(level)} (VIGIL_LOG_LEVEL): must be one of ${LEVELS.join(', ')}`, { input: level, rule: 'log-level' });
  return pino({ level, base: { name: 'vigil' } }, pino.destination(2));
}

/** A logger that drops everything, for tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
