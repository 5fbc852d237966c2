/**
 * `vigil server`: the HTTP API on the configured database. On first start it creates the first
 * organization and prints its admin key once. SIGTERM/SIGINT stop accepting connections, let
 * requests in flight finish, then close the database.
 */
import type { Command } from 'commander';
import { VigilError } from '../model/errors.ts';

/** the scan caps' defaults, for help texts (engine/isolate.ts DEFAULT_SCAN_LIMITS; kept here so help loads nothing) */
export const SCAN_MEMORY_DEFAULT = '768 MiB';
export const SCAN_TIMEOUT_DEFAULT = '900 s';

interface GlobalOpts { home?: string; db?: string; verbose?: boolean; quiet?: boolean; json?: boolean }
interface ServerOpts { tlsCert?: string; tlsKey?: string; tlsClientCa?: string; gateTimeout: string; listen: string; engine: boolean; tick: string; watchFunctions?: string; dbUpdate: string; jobLease: string; allowPath: string[]; allowNetwork: string[]; scanMemory?: string; scanTimeout?: string; smtpUrl?: string; smtpFrom?: string }

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * The tenants' target policy from --allow-path / --allow-network, else VIGIL_ALLOW_PATH (a
 * `:`-separated list) / VIGIL_ALLOW_NETWORK (comma- or space-separated).
 * @throws VigilError VIGIL_CONFIG naming a bad value
 */
export async function policyFromOptions(o: { allowPath?: string[]; allowNetwork?: string[] }, env: NodeJS.ProcessEnv = process.env) {
  const { TargetPolicy } = await import('../policy/index.ts');
  const { delimiter } = await import('node:path');
  const allowPaths = o.allowPath?.length ? o.allowPath : (env.VIGIL_ALLOW_PATH ?? '').split(delimiter).filter(Boolean);
  const allowNetworks = o.allowNetwork?.length ? o.allowNetwork : (env.VIGIL_ALLOW_NETWORK ?? '').split(/[\s,]+/).filter(Boolean);
  return TargetPolicy.forTenants({ allowPaths, allowNetworks });
}

/** --allow-path and --allow-network, the same on `vigil server` and `vigil worker`. */
function policyOptions(cmd: Command): Command {
  return cmd
    .option('--allow-path <dir>', "let tenants' local targets (root filesystems, local git repositories) read under <dir> (repeatable; VIGIL_ALLOW_PATH, ':'-separated); default none", collect, [])
    .option('--allow-network <cidr>', "let tenants' targets (registries, git remotes, SSH hosts) reach <cidr>, e.g. 10.0.0.0/8 or 127.0.0.0/8 (repeatable; VIGIL_ALLOW_NETWORK, comma-separated); default public addresses only", collect, []);
}

/**
 * --smtp-url and --smtp-from (scheduled reports, issue 19), the same on `vigil server` and `vigil
 * worker` (either may send a digest). The password may come in VIGIL_SMTP_URL to keep it off the
 * command line.
 */
function smtpOptions(cmd: Command): Command {
  return cmd
    .option('--smtp-url <url>', "the operator's mail server for e-mailed digests: smtp://user:pass@host:587 (STARTTLS when offered) or smtps://…:465 (env VIGIL_SMTP_URL)")
    .option('--smtp-from <address>', 'the From address of digests (env VIGIL_SMTP_FROM; default the SMTP user when it is an address)');
}

/**
 * The SMTP settings from the flags or the environment, checked.
 * @throws VigilError VIGIL_CONFIG naming the flag
 */
export async function smtpFromOptions(o: { smtpUrl?: string; smtpFrom?: string }, env: NodeJS.ProcessEnv = process.env): Promise<{ smtp?: import('../engine/mailer.ts').SmtpSettings }> {
  const { checkSmtpSettings } = await import('../engine/mailer.ts');
  const smtp = checkSmtpSettings({ url: o.smtpUrl ?? env.VIGIL_SMTP_URL, from: o.smtpFrom ?? env.VIGIL_SMTP_FROM });
  return smtp ? { smtp } : {};
}

function seconds(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new VigilError('VIGIL_CONFIG', `invalid --${name} ${JSON.stringify(v)}: expected whole seconds`, { input: v, rule: 'seconds' });
  return n;
}

/** --job-lease: whole seconds, at least 1. */
function jobLease(v: string): number {
  const n = seconds('job-lease', v);
  if (n < 1) throw new VigilError('VIGIL_CONFIG', `invalid --job-lease ${JSON.stringify(v)}: expected at least 1 second`, { input: v, rule: 'job-lease' });
  return n;
}

/**
 * The queue's options for a job lease: the lease is the queue's default too, and pg-boss looks for
 * expired leases every third of it (at most every 15 s, its default), so a job whose process died
 * runs again within about lease + lease/3 (+ its retry delay on PostgreSQL).
 */
export function queueOptionsFor(leaseSeconds: number): { leaseSeconds: number; sweepSeconds: number } {
  return { leaseSeconds, sweepSeconds: Math.min(15, Math.max(1, Math.ceil(leaseSeconds / 3))) };
}

function engineOptions(o: Omit<ServerOpts, 'listen' | 'engine'>, home: string, accountId: string | undefined, scanLimits: import('../engine/index.ts').ScanLimits) {
  return {
    scanLimits,
    tickSeconds: Math.max(1, seconds('tick', o.tick)),
    leaseSeconds: jobLease(o.jobLease),
    dbUpdateSeconds: seconds('db-update', o.dbUpdate),
    home,
    ...(o.watchFunctions && accountId ? { watchDir: { dir: o.watchFunctions, accountId } } : {}),
  };
}

/** The first organization's delegated-admin account (owner of watched functions). */
async function firstAccount(store: import('../store/index.ts').Store): Promise<string | undefined> {
  const r = await store.db.selectFrom('accounts').select('id').where('is_delegated_admin', '=', 1).orderBy('created_at').limit(1).executeTakeFirst();
  return r?.id;
}

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

/**
 * The line that tells where the console is: its URL (an address that listens on every interface
 * is shown as loopback, which a browser on this machine can open), or why there is none.
 */
export function consoleLine(address: string, consoleDir: string | null, built: boolean): string {
  const url = new URL(address);
  if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
  else if (url.hostname === '[::]') url.hostname = '[::1]';
  return built
    ? `console: ${url.origin}/ (log in with an API key)`
    : `console: not built (${consoleDir ?? 'web/dist'} is missing: run npm run build); the API is at ${url.origin}/v1`;
}

/**
 * --tls-cert and --tls-key: both or neither; the files read and checked as a pair (PEM, the key
 * fits the certificate) before the server starts. --tls-client-ca (mutual TLS for admission
 * webhooks) needs them, and must hold at least one PEM CA certificate.
 * @throws VigilError VIGIL_CONFIG (exit 2) naming the flag or the files; VIGIL_NOT_FOUND (exit 4) for a missing file
 */
export async function tlsFromOptions(o: { tlsCert?: string; tlsKey?: string; tlsClientCa?: string }): Promise<{ cert: Buffer; key: Buffer; clientCa?: Buffer } | undefined> {
  if (!o.tlsCert && !o.tlsKey) {
    if (o.tlsClientCa) throw new VigilError('VIGIL_CONFIG', '--tls-client-ca needs --tls-cert and --tls-key (mutual TLS is TLS first)', { rule: 'tls-pair' });
    return undefined;
  }
  if (!o.tlsCert || !o.tlsKey) throw new VigilError('VIGIL_CONFIG', `--tls-cert and --tls-key go together: ${o.tlsCert ? '--tls-key' : '--tls-cert'} is missing`, { rule: 'tls-pair' });
  const { readInputFile } = await import('./exit.ts');
  const cert = await readInputFile(o.tlsCert, 'TLS certificate');
  const key = await readInputFile(o.tlsKey, 'TLS key');
  // parsed and paired here (node:crypto), so a bad file is a usage error naming it, not a start-up crash
  const { X509Certificate, createPrivateKey } = await import('node:crypto');
  try {
    if (!new X509Certificate(cert).checkPrivateKey(createPrivateKey(key))) throw new Error('the key does not belong to the certificate');
  } catch (err) {
    throw new VigilError('VIGIL_CONFIG', `--tls-cert ${o.tlsCert} / --tls-key ${o.tlsKey}: not a usable PEM certificate and key (${(err as Error).message})`, { input: o.tlsCert, rule: 'tls-pem', cause: err });
  }
  if (!o.tlsClientCa) return { cert, key };
  const clientCa = await readInputFile(o.tlsClientCa, 'TLS client CA');
  // every PEM block must be a certificate (a bundle is fine); none is an error, not a server that trusts no one
  const blocks = clientCa.toString('latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  try {
    if (blocks.length === 0) throw new Error('no PEM certificate in it');
    for (const b of blocks) if (!new X509Certificate(b).ca) throw new Error(`${new X509Certificate(b).subject.replace(/\n/g, ', ')} is not a CA certificate`);
  } catch (err) {
    throw new VigilError('VIGIL_CONFIG', `--tls-client-ca ${o.tlsClientCa}: not a usable PEM CA bundle (${(err as Error).message})`, { input: o.tlsClientCa, rule: 'tls-client-ca', cause: err });
  }
  return { cert, key, clientCa };
}

export function registerServerCommands(program: Command): void {
  smtpOptions(policyOptions(program.command('server')))
    .description('run the HTTP API (creates the first organization and prints its admin key on first start)')
    .option('--listen <address>', 'host:port to listen on', '127.0.0.1:8080')
    .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (with its chain); needs --tls-key. Kubernetes admission webhooks need TLS')
    .option('--tls-key <file>', 'the PEM private key of --tls-cert')
    .option('--tls-client-ca <file>', 'mutual TLS for admission webhooks: they answer only clients with a certificate issued by this PEM CA (bundle), besides the token; needs --tls-cert')
    .option('--gate-timeout <ms>', "the longest a gate verdict may take before the policy's failurePolicy decides (keep it below the webhook's timeoutSeconds)", '5000')
    .option('--no-engine', 'serve the API only; scans and rematches run in `vigil worker` processes')
    .option('--tick <seconds>', 'how often the engine looks for due work', '30')
    .option('--watch-functions <dir>', 'scan <dir>/<name>.zip (+ <name>.layers/*.zip) as functions of the first account')
    .option('--db-update <seconds>', 'run `db update` from the network this often (0: never)', '0')
    .option('--job-lease <seconds>', 'lease of a running scan, poll or rematch: a job whose process died runs again after about this long', '120')
    .option('--scan-memory <MiB>', `memory cap of each isolated scan process (env VIGIL_SCAN_MEMORY; default ${SCAN_MEMORY_DEFAULT})`)
    .option('--scan-timeout <seconds>', `wall-time cap of each isolated scan process (env VIGIL_SCAN_TIMEOUT; default ${SCAN_TIMEOUT_DEFAULT})`)
    .action(async (o: ServerOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOpts>();
      const { host, port } = parseListen(o.listen);
      const lease = jobLease(o.jobLease);
      const https = await tlsFromOptions(o);
      const gateTimeoutMs = Number(o.gateTimeout);
      if (!Number.isInteger(gateTimeoutMs) || gateTimeoutMs < 1) throw new VigilError('VIGIL_CONFIG', `invalid --gate-timeout ${JSON.stringify(o.gateTimeout)}: expected whole milliseconds, at least 1`, { input: o.gateTimeout, rule: 'gate-timeout' });
      const policy = await policyFromOptions(o);
      // checked before the first start prints the admin key, which is shown once
      const smtp = await smtpFromOptions(o);
      const [{ resolveConfig }, { createLogger, levelFor }, { redactUrl }, { buildServer, bootstrap, consoleBuilt, defaultConsoleDir }, { resolveScanLimits }, { openServiceStore }] = await Promise.all([
        import('./config.ts'), import('../log.ts'), import('../store/index.ts'), import('../server/index.ts'), import('../engine/isolate.ts'), import('./admin.ts'),
      ]);
      const scanLimits = resolveScanLimits(o);
      const cfg = resolveConfig(opts);
      const log = createLogger(levelFor(opts, 'info'));
      const store = await openServiceStore(cfg, log, { onIdleError: (err, database) => log.warn({ err: err.message, database }, 'PostgreSQL ended an idle connection; the next query opens a new one') });
      let app: Awaited<ReturnType<typeof buildServer>> | undefined;
      let queue: import('../engine/queue/index.ts').JobQueue | undefined;
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
        const { openQueue } = await import('../engine/queue/index.ts');
        const { Engine } = await import('../engine/index.ts');
        queue = await openQueue(store, { log, ...queueOptionsFor(lease) });
        const engine = new Engine({ store, queue, log, policy, ...smtp, ...engineOptions(o, cfg.home, first?.delegatedAdmin.id ?? await firstAccount(store), scanLimits) });
        log.info({ policy: policy.describe() }, 'target policy');
        app = await buildServer({ store, log, config: { version: program.version(), warmDashboards: true, gateTimeoutMs, ...(https ? { https } : {}) }, engine });
        if (o.engine) await engine.start();
        const address = await app.listen({ host, port });
        process.stdout.write(`vigil server listening on ${address} (database: ${store.dialect} ${redactUrl(cfg.databaseUrl)})\n`);
        const consoleDir = defaultConsoleDir();
        process.stdout.write(`${consoleLine(address, consoleDir, consoleBuilt(consoleDir))}\n`);
      } catch (err) {
        process.off('SIGTERM', onTerm);
        process.off('SIGINT', onInt);
        await app?.close();
        await queue?.stop();
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
            .then(() => queue?.stop())
            .catch((err: unknown) => log.error({ err }, 'error while stopping the queue'))
            .then(() => store.close())
            .catch((err: unknown) => log.error({ err }, 'error while closing the database'))
            .finally(() => { policy.close(); resolve(); });
        };
        if (stopRequested) stopNow(stopRequested);
      });
      // the handlers stay installed until the process exits: a second signal during the last
      // ticks must not turn a clean shutdown into a kill
    });
}

/** `vigil worker`: the engine's job handlers without the HTTP API (scale-out on PostgreSQL). */
export function registerWorkerCommand(program: Command): void {
  smtpOptions(policyOptions(program.command('worker')))
    .description('run scans, polls and rematches from the shared queue (several may run against one PostgreSQL database)')
    .option('--tick <seconds>', 'how often the engine looks for due work', '30')
    .option('--watch-functions <dir>', 'scan <dir>/<name>.zip as functions of the first account')
    .option('--db-update <seconds>', 'run `db update` from the network this often (0: never)', '0')
    .option('--job-lease <seconds>', 'lease of a running scan, poll or rematch: a job whose process died runs again after about this long', '120')
    .option('--scan-memory <MiB>', `memory cap of each isolated scan process (env VIGIL_SCAN_MEMORY; default ${SCAN_MEMORY_DEFAULT})`)
    .option('--scan-timeout <seconds>', `wall-time cap of each isolated scan process (env VIGIL_SCAN_TIMEOUT; default ${SCAN_TIMEOUT_DEFAULT})`)
    .action(async (o: Omit<ServerOpts, 'listen' | 'engine'>, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOpts>();
      const lease = jobLease(o.jobLease);
      const policy = await policyFromOptions(o);
      const [{ resolveConfig }, { createLogger, levelFor }, { redactUrl }, { openQueue }, { Engine, resolveScanLimits }, { openServiceStore }] = await Promise.all([
        import('./config.ts'), import('../log.ts'), import('../store/index.ts'), import('../engine/queue/index.ts'), import('../engine/index.ts'), import('./admin.ts'),
      ]);
      const scanLimits = resolveScanLimits(o);
      const cfg = resolveConfig(opts);
      const log = createLogger(levelFor(opts, 'info'));
      const store = await openServiceStore(cfg, log, { onIdleError: (err, database) => log.warn({ err: err.message, database }, 'PostgreSQL ended an idle connection; the next query opens a new one') });
      const queue = await openQueue(store, { log, ...queueOptionsFor(lease) });
      let stopping = false;
      const done = new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          if (stopping) return;
          stopping = true;
          log.info({ signal }, 'worker shutting down');
          queue.stop().catch((err: unknown) => log.error({ err }, 'error while stopping the queue'))
            .then(() => store.close()).catch((err: unknown) => log.error({ err }, 'error while closing the database'))
            .finally(() => { policy.close(); resolve(); });
        };
        process.on('SIGTERM', () => stop('SIGTERM'));
        process.on('SIGINT', () => stop('SIGINT'));
      });
      const engine = new Engine({ store, queue, log, policy, ...(await smtpFromOptions(o)), ...engineOptions(o, cfg.home, await firstAccount(store), scanLimits) });
      log.info({ policy: policy.describe() }, 'target policy');
      await engine.start();
      process.stdout.write(`vigil worker running (database: ${store.dialect} ${redactUrl(cfg.databaseUrl)}, queue: ${queue.kind})\n`);
      await done;
    });
}
