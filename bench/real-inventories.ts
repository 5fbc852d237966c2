/**
 * Real inventories for the benches to draw versions from: Vigil's own inventory (the extractors a
 * scan runs) of the targets in .cache/targets — the bullseye and bookworm debootstrap root
 * filesystems (Debian dpkg status) and their `-app` docker archives (adding /app's package-lock.json
 * and node_modules, and Python dist-info) — and the Alpine installed database in
 * src/extractors/os/apk/testdata (Alpine 3.4-era packages: read as an Alpine 3.4 root filesystem).
 * Targets not built yet are left out and named in `missing`.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractorsFor } from '../src/extractors/index.ts';
import { detectOs, OS_RELEASE_PATHS } from '../src/extractors/os/index.ts';
import { collectInventory, contentFilterFor } from '../src/inventory/index.ts';
import { silentLogger } from '../src/log.ts';
import type { Package } from '../src/model/index.ts';
import { openTarget, type TargetKind } from '../src/sources/index.ts';
import { ROOT, TARGETS } from '../test/helpers/prereq.ts';

export async function realInventories(): Promise<{ inventories: { ref: string; packages: Package[] }[]; missing: string[] }> {
  const targets = TARGETS;
  const scratch = mkdtempSync(join(tmpdir(), 'vigil-bench-inv-'));
  try {
    // the apk testdata as the root filesystem of the release its packages come from
    const alpine = join(scratch, 'alpine-3.4');
    mkdirSync(join(alpine, 'lib', 'apk', 'db'), { recursive: true });
    mkdirSync(join(alpine, 'etc'));
    copyFileSync(join(ROOT, 'src', 'extractors', 'os', 'apk', 'testdata', 'happy', 'installed'), join(alpine, 'lib', 'apk', 'db', 'installed'));
    writeFileSync(join(alpine, 'etc', 'alpine-release'), '3.4.6\n');
    const list: [string, TargetKind][] = [
      [join(targets, 'rootfs-bullseye'), 'rootfs'],
      [join(targets, 'rootfs-bookworm'), 'rootfs'],
      [join(targets, 'bullseye-app.docker.tar'), 'docker-archive'],
      [join(targets, 'bookworm-app.docker.tar'), 'docker-archive'],
      [alpine, 'rootfs'],
    ];
    const extractors = extractorsFor(['vuln']);
    const inventories: { ref: string; packages: Package[] }[] = [];
    const missing: string[] = [];
    for (const [ref, kind] of list) {
      if (!existsSync(ref)) {
        missing.push(ref);
        continue;
      }
      const fs = await openTarget(ref, kind, { filter: contentFilterFor(extractors, OS_RELEASE_PATHS) });
      try {
        const inv = await collectInventory(fs, { extractors, detectOs, log: silentLogger() });
        inventories.push({ ref: ref.startsWith(scratch) ? 'src/extractors/os/apk/testdata/happy/installed (as Alpine 3.4)' : ref.startsWith(ROOT) ? ref.slice(ROOT.length + 1) : ref, packages: inv.packages });
      } finally {
        await fs.close();
      }
    }
    return { inventories, missing };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
