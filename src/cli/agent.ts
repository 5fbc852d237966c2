/**
 * `vigil agent --server URL --token KEY`: reports this host's inventory (OS package databases,
 * os-release, listening sockets) to a Vigil server whenever a package database changes (it watches
 * their directories) and at least once a day. Reads only the files the OS extractors need, never
 * walks the disk. `--once` reports once and exits (cron, tests).
 */
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { VigilError } from '../model/errors.ts';
import type { ScanFS, FileInfo } from '../sources/types.ts';

interface AgentOpts { server: string; token?: string; root: string; interval: string; once?: boolean; hostname?: string; verbose?: boolean; quiet?: boolean }

/** Directories whose changes mean "the installed packages changed". */
const WATCHED = ['var/lib/dpkg', 'lib/apk/db', 'var/lib/rpm', 'usr/lib/sysimage/rpm'];

/** A ScanFS over the root that lists only the host files the OS extractors read. */
async function hostFiles(root: string, name: string): Promise<ScanFS> {
  const [{ openDir }, { HOST_FILES, HOST_DIRS, LISTED_ONLY }] = await Promise.all([import('../sources/dir/index.ts'), import('../sources/ssh/index.ts')]);
  const base = await openDir(root, { rootfs: true, kind: 'host', ref: name });
  const wanted = new Set<string>([...HOST_FILES, ...LISTED_ONLY]);
  for (const d of HOST_DIRS) {
    for (const n of await readdir(join(root, d.dir)).catch(() => [] as string[])) if (d.match.test(n)) wanted.add(`${d.dir}/${n}`);
  }
  const paths = [...wanted].sort();
  return {
    target: base.target,
    get errors() { return base.errors; },
    stat: (p) => base.stat(p),
    readFile: (p) => base.readFile(p),
    close: () => base.close(),
    async *entries(): AsyncIterable<FileInfo> {
      for (const p of paths) {
        const info = await base.stat(p);
        if (info && info.kind === 'file') yield info;
      }
    },
  };
}

/** Collects the report the server's POST /v1/agent/report takes. */
export async function collectAgentReport(root: string, name?: string) {
  const [{ collectInventory }, { extractorGroups }, { detectOs }, { parseProcNet }] = await Promise.all([
    import('../inventory/index.ts'), import('../extractors/index.ts'), import('../extractors/os/index.ts'), import('../sources/ssh/index.ts'),
  ]);
  const host = name ?? ((await readFile(join(root, 'etc/hostname'), 'utf8').catch(() => '')).trim() || osHostname());
  const fs = await hostFiles(root, host);
  try {
    const inv = await collectInventory(fs, { extractors: extractorGroups.os, detectOs });
    const machineId = (await readFile(join(root, 'etc/machine-id'), 'utf8').catch(() => '')).trim() || undefined;
    const listening = [];
    for (const proto of ['tcp', 'tcp6', 'udp', 'udp6'] as const) {
      const text = await readFile(join(root, 'proc/net', proto), 'utf8').catch(() => null);
      if (text) listening.push(...parseProcNet(proto, text).sockets);
    }
    return {
      hostname: host,
      ...(machineId ? { machineId } : {}),
      agentVersion: '0.1.0',
      ...(inv.os ? { os: { id: inv.os.id, ...(inv.os.versionId ? { versionId: inv.os.versionId } : {}), ...(inv.os.prettyName ? { prettyName: inv.os.prettyName } : {}), ...(inv.os.ecosystem ? { ecosystem: inv.os.ecosystem } : {}) } } : {}),
      packages: inv.packages,
      listening,
      errors: inv.errors.map((e) => ({ path: e.path, rule: e.rule, message: e.message })),
    };
  } finally {
    await fs.close();
  }
}

async function send(server: string, token: string, report: unknown): Promise<{ resourceId: string; packages: number; findings: number }> {
  const url = `${server.replace(/\/+$/, '')}/v1/agent/report`;
  let res: Response;
  try {
    // the operator's own request (to the server it named): through the one request path, nothing refused
    const { TargetPolicy } = await import('../policy/index.ts');
    res = await TargetPolicy.operator().fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(report), signal: AbortSignal.timeout(120_000) });
  } catch (err) {
    throw new VigilError('VIGIL_NETWORK', `cannot reach ${url}: ${(err as Error).message}`, { input: url, rule: 'unreachable' });
  }
  const body = await res.json().catch(() => ({})) as { error?: { code?: string; message?: string } } & Record<string, unknown>;
  if (!res.ok) throw new VigilError(res.status === 401 ? 'VIGIL_UNAUTHORIZED' : res.status === 403 ? 'VIGIL_FORBIDDEN' : 'VIGIL_NETWORK', `${url}: ${res.status} ${body.error?.message ?? ''}`.trim(), { input: url, rule: `http-${res.status}` });
  return body as unknown as { resourceId: string; packages: number; findings: number };
}

export function registerAgentCommand(program: Command): void {
  program.command('agent')
    .description('report this host\'s packages to a Vigil server when they change, and at least daily')
    .requiredOption('--server <url>', 'the Vigil server, e.g. https://vigil.example:8080')
    .option('--token <key>', 'an API key with the analyst or admin role (or VIGIL_AGENT_TOKEN)')
    .option('--root <dir>', 'the root filesystem to read', '/')
    .option('--interval <seconds>', 'report at least this often', '86400')
    .option('--hostname <name>', 'the name to report (default /etc/hostname)')
    .option('--once', 'report once and exit')
    .action(async (o: AgentOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<AgentOpts>();
      const token = o.token ?? process.env.VIGIL_AGENT_TOKEN;
      if (!token) throw new VigilError('VIGIL_CONFIG', 'vigil agent needs --token or VIGIL_AGENT_TOKEN (an API key with the analyst or admin role)', { rule: 'agent-token' });
      const interval = Number(o.interval);
      if (!Number.isInteger(interval) || interval < 60) throw new VigilError('VIGIL_CONFIG', `invalid --interval ${JSON.stringify(o.interval)}: whole seconds, at least 60`, { input: o.interval, rule: 'seconds' });
      const { createLogger, levelFor } = await import('../log.ts');
      const log = createLogger(levelFor(opts, 'info'));
      const report = async () => {
        const r = await collectAgentReport(o.root, o.hostname);
        const out = await send(o.server, token, r);
        log.info({ resource: out.resourceId, packages: out.packages, findings: out.findings }, 'inventory reported');
        return out;
      };
      if (o.once) {
        const out = await report();
        process.stdout.write(`reported ${out.packages} packages (${out.findings} findings) as ${out.resourceId}\n`);
        return;
      }
      // report now, on every change of a package database (debounced), and at least every interval;
      // a failed report is retried with backoff up to the interval
      let timer: NodeJS.Timeout | undefined;
      let failures = 0;
      const schedule = (ms: number) => { clearTimeout(timer); timer = setTimeout(() => void tick(), ms); };
      const tick = async () => {
        try {
          await report();
          failures = 0;
          schedule(interval * 1000);
        } catch (err) {
          failures++;
          const wait = Math.min(interval * 1000, 5000 * 2 ** Math.min(failures, 10));
          log.warn({ err: (err as Error).message, retryInSeconds: Math.round(wait / 1000) }, 'report failed');
          schedule(wait);
        }
      };
      const watchers: FSWatcher[] = [];
      for (const d of WATCHED) {
        try {
          watchers.push(watch(join(o.root, d), { persistent: true }, () => schedule(5000)));
        } catch {
          // not this distribution's package manager
        }
      }
      log.info({ server: o.server, watching: watchers.length, intervalSeconds: interval }, 'agent started');
      await tick();
      await new Promise<void>((resolve) => {
        const stop = () => { clearTimeout(timer); for (const w of watchers) w.close(); resolve(); };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    });
}
