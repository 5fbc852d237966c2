/**
 * bench/match's store-lookup child: a fresh process that opens the SQLite vulnerability database
 * and matches inventories the way `vigil scan` and the engine's scans do (src/engine/isolate-tasks.ts
 * in the isolated scan process, src/engine/scan.ts) — `matchInventory(packages, packageLookup(store))`, one call per inventory, fix guidance on — or,
 * as the baseline, only reads the rows those calls read (`packageLookup` once per distinct package
 * of an inventory, rows not parsed). Two passes over the same inventories: the first is cold (a
 * fresh process: no JIT, no SQLite page cache, and the OS page cache as the parent left it), the
 * second warm. Prints one JSON line.
 *
 *   node --import tsx bench/match-store-child.ts <db file> <inventories.json> match|lookup
 */
import { readFileSync } from 'node:fs';
import type { Package } from '../src/model/index.ts';
import { matchInventory, targetOf } from '../src/matching/index.ts';
import { openStore } from '../src/store/index.ts';
import { packageLookup } from '../src/vulndb/query.ts';

const [dbFile, invFile, mode] = process.argv.slice(2);
const inventories = JSON.parse(readFileSync(invFile, 'utf8')) as Package[][];
const cpu = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

const t0 = performance.now();
const store = await openStore(`sqlite:${dbFile}`);
const openMs = performance.now() - t0;
const lookup = packageLookup(store);
const passes: { wall: number; cpu: number; first: number; evaluations: number; matches: number; packages: number; lookups: number; rows: number }[] = [];
try {
  for (let pass = 0; pass < 2; pass++) {
    const p = { wall: 0, cpu: 0, first: 0, evaluations: 0, matches: 0, packages: 0, lookups: 0, rows: 0 };
    const w0 = performance.now();
    const c0 = cpu();
    for (const [i, inv] of inventories.entries()) {
      const i0 = performance.now();
      if (mode === 'match') {
        const r = await matchInventory(inv, lookup, {});
        p.evaluations += r.stats.evaluations;
        p.matches += r.stats.matches;
        p.packages += r.stats.packages;
      } else {
        // what matchInventory reads: each distinct (ecosystem, name) of the inventory once
        const seen = new Set<string>();
        for (const pkg of inv) {
          const t = targetOf(pkg);
          p.packages++;
          if (!('key' in t) || seen.has(t.key)) continue;
          seen.add(t.key);
          p.rows += (await lookup(t.ecosystem, t.name)).length;
          p.lookups++;
        }
      }
      if (i === 0) p.first = performance.now() - i0;
    }
    p.wall = performance.now() - w0;
    p.cpu = cpu() - c0;
    passes.push(p);
  }
} finally {
  await store.close();
}
console.log(JSON.stringify({ openMs, passes }));
