/**
 * `vigil server`: the HTTP API on the configured database. On first start it creates the first
 * organization and prints its admin key once. SIGTERM/SIGINT stop accepting connections, let
 * requests in flight finish, then close the database.
 */
import type { Command } from 'commander';
import { VigilError } from '../model/errors.ts';

interface GlobalOpts { home?: string; db?: string; verbose?: boolean; quiet?: boolean; json?: boolean }

/** "127.0.0.1:8080", "[::1]:8080", ":8080" (all interfaces) or "8080" → host and port. */
export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value) ?? /^()()(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) {
    throw new VigilError('VIGIL_CONFIG', `invalid --listen ${JSON.stringify(value)}: expected host:port, [ipv6]:port or port`, { input: value, rule: 'listen-address' });
  }
  const host = m[1] || m[2] || (value.includes(':') ? '0.0.0.0' : '127.0.0.1');
  return { host, port };
}

export function registerServerCommands(program: Command): void {
  program.command('server')
    .description('run the HTTP API (creates the first organization and prints its admin key on first start)')
    .option('--listen <address>', 'host:port to listen on', '127.0.0.1:8080')
    .action(async (o: { listen: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOpts>();
      const { host, port } = parseListen(o.listen);
      const [{ resolveConfig }, { createLogger }, { openStore, redactUrl }, { buildServer, bootstrap }] = await Promise.all([
        import('./config.ts'), import('../log.ts'), import('../store/index.ts'), import('../server/index.ts'),
      ]);
      const cfg = resolveConfig(opts);
      const log = createLogger(opts.verbose ? 'debug' : opts.quiet ? 'error' : (process.env.VIGIL_LOG_LEVEL ?? 'info'));
      const store = await openStore(cfg.databaseUrl);
      let app: Awaited<ReturnType<typeof buildServer>> | undefined;
      // signal handlers first: a SIGTERM that arrives while the server is still starting (or just
      // after it printed its address) must shut it down cleanly, never kill it half-way
      let stopRequested: string | undefined;
      let stopNow: ((signal: string) => void) | undefined;
      const onSignal = (signal: string) => {
        if (stopNow) stopNow(signal);
        else stopRequested ??= signal;
      };
      const onTerm = () => onSignal('SIGTERM');
      const onInt = () => onSignal('SIGINT');
      process.on('SIGTERM', onTerm);
      process.on('SIGINT', onInt);
      try {
        const first = await bootstrap(store);
        if (first) {
          process.stdout.write(
            `Created organization ${first.organization.id} with delegated-admin account ${first.delegatedAdmin.id}.\n` +
            `Admin API key (shown once; store it now):\n${first.key}\n`);
        }
        app = await buildServer({ store, log, config: { version: program.version() } });
        const address = await app.listen({ host, port });
        process.stdout.write(`vigil server listening on ${address} (database: ${store.dialect} ${redactUrl(cfg.databaseUrl)})\n`);
      } catch (err) {
        process.off('SIGTERM', onTerm);
        process.off('SIGINT', onInt);
        await app?.close();
        await store.close();
        throw err;
      }
      const server = app;
      await new Promise<void>((resolve) => {
        let stopping = false;
        stopNow = (signal: string) => {
          if (stopping) return;
          stopping = true;
          log.info({ signal }, 'shutting down');
          // close() stops accepting, waits for requests in flight, runs onClose hooks
          server.close()
            .catch((err: unknown) => log.error({ err }, 'error while closing the server'))
            .then(() => store.close())
            .catch((err: unknown) => log.error({ err }, 'error while closing the database'))
            .finally(() => resolve());
        };
        if (stopRequested) stopNow(stopRequested);
      });
      // the handlers stay installed until the process exits: a second signal during the last
      // ticks must not turn a clean shutdown into a kill
    });
}
