/** Structured logs (pino) to stderr, so stdout stays clean for --json output. */
import pino, { type Logger } from 'pino';
import { VigilError } from './model/errors.ts';

export type { Logger } from 'pino';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * A command's log level: `-v` debug, `-q` error, else VIGIL_LOG_LEVEL (empty counts as unset), else
 * the command's own default.
 */
export function levelFor(opts: { verbose?: boolean; quiet?: boolean }, fallback: string): string {
  return opts.verbose ? 'debug' : opts.quiet ? 'error' : (process.env.VIGIL_LOG_LEVEL || fallback);
}

/** @throws VigilError VIGIL_CONFIG (rule "log-level") for a level pino does not know (a typo in VIGIL_LOG_LEVEL) */
export function createLogger(level: string = process.env.VIGIL_LOG_LEVEL || 'warn'): Logger {
  if (!LEVELS.includes(level)) throw new VigilError('VIGIL_CONFIG', `log level ${JSON.stringify(level)} (VIGIL_LOG_LEVEL): must be one of ${LEVELS.join(', ')}`, { input: level, rule: 'log-level' });
  return pino({ level, base: { name: 'vigil' } }, pino.destination(2));
}

/** A logger that drops everything, for tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
