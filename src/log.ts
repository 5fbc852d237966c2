/** Structured logs (pino) to stderr, so stdout stays clean for --json output. */
import { createRequire } from 'node:module';
import type { default as Pino, Logger } from 'pino';
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

/**
 * pino, loaded when the first logger is made. Evaluating it (and sonic-boom, thread-stream,
 * safe-stable-stringify, …) costs ~18 ms CPU; `vigil scan` and its isolated scan process
 * (lazyLogger) usually log nothing at their default level and so never load it. pino is not
 * bundled (scripts/build.mjs): in the bundle `require` is the banner's createRequire, which loads it
 * from node_modules; from the TypeScript sources (ESM, no `require`) through createRequire.
 */
function pinoModule(): typeof Pino {
  // module.exports is pino itself
  return (typeof require === 'function' ? require('pino') : createRequire(import.meta.url)('pino')) as typeof Pino;
}

function checkLevel(level: string): void {
  if (!LEVELS.includes(level)) throw new VigilError('VIGIL_CONFIG', `log level ${JSON.stringify(level)} (VIGIL_LOG_LEVEL): must be one of ${LEVELS.join(', ')}`, { input: level, rule: 'log-level' });
}

/** @throws VigilError VIGIL_CONFIG (rule "log-level") for a level pino does not know (a typo in VIGIL_LOG_LEVEL) */
export function createLogger(level: string = process.env.VIGIL_LOG_LEVEL || 'warn'): Logger {
  checkLevel(level);
  const pino = pinoModule();
  return pino({ level, base: { name: 'vigil' } }, pino.destination(2));
}

const noop = (): void => undefined;

/**
 * createLogger's logger, made (and pino loaded) at its first message at an enabled level; until
 * then a message below the level costs a property lookup. For the processes whose logs are only
 * their own calls of the level methods (`vigil scan`/`sbom` and the isolated scan process): it is
 * no pino instance for a library (fastify's `loggerInstance` needs createLogger's), and `child()`
 * or any other member makes the real logger first.
 * @throws VigilError VIGIL_CONFIG (rule "log-level") as createLogger
 */
export function lazyLogger(level: string = process.env.VIGIL_LOG_LEVEL || 'warn'): Logger {
  checkLevel(level);
  const rank = LEVELS.indexOf(level);
  let real: Logger | undefined;
  return new Proxy({} as Logger, {
    get(_target, prop) {
      if (!real) {
        if (prop === 'level') return level;
        const i = typeof prop === 'string' ? LEVELS.indexOf(prop) : -1;
        // fatal … trace: off when below the level (or everything, at "silent")
        if (i >= 0 && i < LEVELS.length - 1 && (level === 'silent' || i > rank)) return noop;
      }
      real ??= createLogger(level);
      const v = Reflect.get(real, prop, real) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(real) : v;
    },
  });
}

/** A logger that drops everything, for tests. */
export function silentLogger(): Logger {
  return pinoModule()({ level: 'silent' });
}
