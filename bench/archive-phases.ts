/**
 * bench/archive-phases — a docker archive scanned several times in one process, each phase timed:
 * the layer walk (openDockerArchive, with the inventory's content filter), the inventory (every
 * extractor), and the wait for the layer digests (hashed on another thread meanwhile). The first
 * round is what a scan pays (a scan runs once per process); later rounds show the same code once V8
 * has optimized it. No matching, no report.
 *
 *   node --import tsx bench/archive-phases.ts [archive] [--rounds N]
 * archive: .cache/targets/bullseye.docker.tar by default; N: 8.
 */
import { join } from 'node:path';
import { extractorsFor } from '../src/extractors/index.ts';
import { detectOs, OS_RELEASE_PATHS } from '../src/extractors/os/index.ts';
import { collectInventory, contentFilterFor } from '../src/inventory/index.ts';
import { openDockerArchive } from '../src/sources/docker-archive/index.ts';
import { TARGETS } from '../test/helpers/prereq.ts';

const args = process.argv.slice(2);
const at = args.indexOf('--rounds');
const rounds = at >= 0 ? Number(args[at + 1]) : 8;
const archive = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--rounds') ?? join(TARGETS, 'bullseye.docker.tar');
const extractors = extractorsFor(['vuln']);
const filter = contentFilterFor(extractors, OS_RELEASE_PATHS);
for (let r = 1; r <= rounds; r++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const fs = await openDockerArchive(archive, { filter, deferDigests: true });
  const t1 = performance.now();
  const inv = await collectInventory(fs, { extractors, detectOs });
  const t2 = performance.now();
  await fs.verify?.();
  const t3 = performance.now();
  await fs.close();
  const c = process.cpuUsage(c0);
  console.log(`round ${r}: walk ${(t1 - t0).toFixed(1)} ms, inventory ${(t2 - t1).toFixed(1)} ms (${inv.packages.length} packages), digests waited for ${(t3 - t2).toFixed(1)} ms; CPU ${((c.user + c.system) / 1000).toFixed(1)} ms (this thread and the hashing one)`);
}
