/**
 * bench/host-runtimes — runtime binaries on an SSH host (issue 20): a bookworm copy with this
 * machine's runtimes planted (src/sources/ssh/testutil.ts plantRuntimes: node twice, python3.11,
 * a Temurin launcher, Go 1.19, libssl/libcrypto, an OS-owned python3.11) behind a chrooted sshd.
 * Each round, back to back:
 *   - `ssh+runtimes`: openSshHost with the language filter and hostRuntimeFile (the engine's) + the inventory;
 *   - `ssh`: the same without `runtimes` (deep inspection before this change: no runtime packages);
 *   - `rootfs`: scan rootfs of the copy (openTarget + the inventory), the reference.
 * Printed: medians of wall and CPU time of this process (user + system; sshd's share is the host's
 * and not counted), runtime bytes read over SSH, runtime packages found.
 *
 *   node --import tsx bench/host-runtimes.ts [--runs 3]
 * Needs root, /usr/sbin/sshd and .cache/targets/rootfs-bookworm.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { extractorGroups } from '../src/extractors/index.ts';
import { OS_RELEASE_PATHS, detectOs } from '../src/extractors/os/index.ts';
import { collectInventory, contentFilterFor } from '../src/inventory/index.ts';
import { hostRuntimeFile } from '../src/extractors/runtime/index.ts';
import { openTarget } from '../src/sources/index.ts';
import type { FileInfo } from '../src/sources/types.ts';
import { openSshHost } from '../src/sources/ssh/index.ts';
import { plantRuntimes, sshdUnavailable, startSshd } from '../src/sources/ssh/testutil.ts';
import { machineLoad } from './measure.ts';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 3) || 3;
const BOOKWORM = join(import.meta.dirname, '../.cache/targets/rootfs-bookworm');
const why = sshdUnavailable() || (!existsSync(join(BOOKWORM, 'etc/os-release')) && 'no .cache/targets/rootfs-bookworm');
if (why) {
  console.error(`host-runtimes: ${why}`);
  process.exit(2);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// what the engine passes (src/engine/scan.ts deepFilters)
const filters = { filter: contentFilterFor(extractorGroups.language), runtimes: (i: FileInfo) => hostRuntimeFile(i.path, i) };
const runtimeCount = (pkgs: { foundBy?: string }[]) => pkgs.filter((p) => p.foundBy?.startsWith('runtime/')).length;

async function measure(fn: () => Promise<{ runtimes: number; bytes?: number }>): Promise<{ ms: number; cpuMs: number; runtimes: number; bytes?: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await fn();
  const c = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000, ...r };
}

const copy = mkdtempSync('/run/vigil-bench-runtimes-');
chmodSync(copy, 0o755);
execFileSync('cp', ['-a', `${BOOKWORM}/.`, copy]);
await plantRuntimes(copy);
const d = await startSshd({ chroot: copy });
const target = { host: d.host, port: d.port, username: d.username, privateKey: d.clientKey };
try {
  const rows: Record<string, { ms: number; cpuMs: number; runtimes: number; bytes?: number }[]> = { 'ssh+runtimes': [], ssh: [], rootfs: [] };
  console.log(`load before: ${machineLoad()}`);
  for (let i = 0; i < runs; i++) {
    rows['ssh+runtimes'].push(await measure(async () => {
      const snap = await openSshHost(target, { deepInspection: filters });
      try {
        const inv = await collectInventory(snap.fs, { extractors: extractorGroups.all, detectOs });
        return { runtimes: runtimeCount(inv.packages), bytes: snap.deepInspection?.runtimeBytes };
      } finally {
        await snap.fs.close();
      }
    }));
    rows.ssh.push(await measure(async () => {
      const snap = await openSshHost(target, { deepInspection: { filter: filters.filter } });
      try {
        return { runtimes: runtimeCount((await collectInventory(snap.fs, { extractors: extractorGroups.all, detectOs })).packages) };
      } finally {
        await snap.fs.close();
      }
    }));
    rows.rootfs.push(await measure(async () => {
      const fs = await openTarget(copy, 'rootfs', { filter: contentFilterFor(extractorGroups.all, OS_RELEASE_PATHS) });
      try {
        return { runtimes: runtimeCount((await collectInventory(fs, { extractors: extractorGroups.all, detectOs })).packages) };
      } finally {
        await fs.close();
      }
    }));
  }
  console.log(`load after: ${machineLoad()}; ${runs} rounds, medians`);
  for (const [name, xs] of Object.entries(rows)) {
    const bytes = xs[0].bytes === undefined ? '' : `, runtime bytes read ${(median(xs.map((x) => x.bytes ?? 0)) / 1e6).toFixed(1)} MB`;
    console.log(`${name.padEnd(13)} wall ${Math.round(median(xs.map((x) => x.ms)))} ms, cpu ${Math.round(median(xs.map((x) => x.cpuMs)))} ms, runtime packages ${xs[0].runtimes}${bytes}`);
  }
} finally {
  await d.stop();
  rmSync(copy, { recursive: true, force: true });
}
