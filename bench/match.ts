/**
 * bench/match — matching throughput on the real data set.
 *
 * 1. Loads every advisory set of ../shared/vulndata into memory (AdvisoryIndex by exact ecosystem +
 *    normalized name) and compiles it.
 * 2. Draws 100,000 packages from the real package names in the data, each with an old version taken
 *    from that package's own advisories (a bound or a listed version), and matches them on one
 *    thread: package–advisory evaluations per second (target ≥ 1M/s per core), with and without
 *    fix guidance.
 * 3. Builds 10,000 inventories of 50 such packages and times `findAffected` — every package one
 *    advisory affects — for the advisories that hit the most packages (target < 10 ms).
 *
 * Run: node --import tsx bench/match.ts   (prints figures; no thresholds)
 */
import type { Inventory, Package } from '../src/model/index.ts';
import { AdvisoryIndex, findAffected, InventoryIndex, isOsEcosystem, matchInventorySync } from '../src/matching/index.ts';
import { loadVulndata } from '../src/matching/testutil.ts';

const PACKAGES = Number(process.env.BENCH_PACKAGES ?? 100_000);
const INVENTORIES = Number(process.env.BENCH_INVENTORIES ?? 10_000);
const PER_INVENTORY = 50;

// deterministic PRNG (mulberry32) so runs are comparable
let seed = 0x5eed;
function rand(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)];
const ms = (t: number) => (performance.now() - t).toFixed(1);

let t = performance.now();
const loaded = await loadVulndata();
console.log(`load: ${loaded.records.length} records in ${ms(t)} ms (${JSON.stringify(loaded.sources)})`);
t = performance.now();
const index = AdvisoryIndex.fromRecords(loaded.records);
index.prepare();
console.log(`index + compile: ${index.packages} packages in ${ms(t)} ms`);

// candidate (ecosystem, name, versions) from the data: old versions are the ones advisories name
const pool: { ecosystem: string; name: string; versions: string[] }[] = [];
for (const [ecosystem, name] of index.keys()) {
  const g = index.group(ecosystem, name);
  if (!g || g.entries.length === 0) continue;
  const versions = new Set<string>();
  for (const e of g.entries) {
    for (const v of e.compiled.affected.versions ?? []) versions.add(v);
    for (const r of e.compiled.affected.ranges ?? []) {
      if (r.type === 'GIT') continue;
      for (const ev of r.events) for (const v of Object.values(ev)) if (v !== '0' && v !== '0.0.0-0') versions.add(String(v));
    }
  }
  if (versions.size > 0) pool.push({ ecosystem, name, versions: [...versions] });
}
const poolByEco = new Map<string, typeof pool>();
for (const c of pool) {
  const l = poolByEco.get(c.ecosystem) ?? [];
  l.push(c);
  poolByEco.set(c.ecosystem, l);
}
/**
 * A package with an old version from its own advisories, or (cross) a version taken from another
 * package of the same ecosystem — a real version string that is rarely spelled exactly like one of
 * this package's bounds, so it must be parsed and located by binary search.
 */
function drawPackage(cross = false): Package {
  const c = pick(pool);
  const version = pick(cross ? pick(poolByEco.get(c.ecosystem)!).versions : c.versions);
  // distro advisories name source packages (Debian, Alpine) or binary packages (AlmaLinux): the
  // drawn name serves as both
  return isOsEcosystem(c.ecosystem)
    ? { ecosystem: c.ecosystem, name: c.name, sourceName: c.name, version }
    : { ecosystem: c.ecosystem, name: c.name, version };
}
for (const cross of [false, true]) {
  const packages = Array.from({ length: PACKAGES }, () => drawPackage(cross));
  const what = cross ? 'versions drawn from other packages of the ecosystem' : 'versions drawn from their own advisories';
  // warm up (JIT), then measure
  matchInventorySync(packages.slice(0, 5000), index, { fixGuidance: false });
  for (const fixGuidance of [false, true]) {
    t = performance.now();
    const report = matchInventorySync(packages, index, { fixGuidance });
    const sec = (performance.now() - t) / 1000;
    const s = report.stats;
    console.log(
      `match ${s.packages} packages, ${what}, fix guidance ${fixGuidance ? 'on' : 'off'}: ${(sec * 1000).toFixed(0)} ms; ` +
      `${s.evaluations} package–advisory evaluations → ${Math.round(s.evaluations / sec).toLocaleString('en')} evaluations/s on one core, ` +
      `${Math.round(s.packages / sec).toLocaleString('en')} packages/s; ${s.matches} matches, ${s.unknown} unknown`,
    );
  }
}

// reverse: one advisory → every affected package among many inventories
t = performance.now();
const inventories: Inventory[] = Array.from({ length: INVENTORIES }, (_, i) => ({
  id: `inv-${i}`,
  packages: Array.from({ length: PER_INVENTORY }, () => drawPackage(i % 2 === 1)),
}));
const invIndex = new InventoryIndex(inventories);
console.log(`built ${INVENTORIES} inventories (${invIndex.packages} packages) and their index in ${ms(t)} ms`);

// every advisory of the data set, one at a time
for (const r of loaded.records.slice(0, 2000)) findAffected(r, invIndex); // warm up
const times: { id: string; ms: number; hits: number }[] = [];
t = performance.now();
for (const r of loaded.records) {
  const t0 = performance.now();
  const n = findAffected(r, invIndex).length;
  times.push({ id: r.id, ms: performance.now() - t0, hits: n });
}
const total = performance.now() - t;
const sortedMs = times.map((x) => x.ms).sort((a, b) => a - b);
const q = (f: number) => sortedMs[Math.min(sortedMs.length - 1, Math.floor(f * sortedMs.length))].toFixed(3);
const hitting = times.filter((x) => x.hits > 0);
const hitMs = hitting.map((x) => x.ms).sort((a, b) => a - b);
const hq = (f: number) => hitMs[Math.min(hitMs.length - 1, Math.floor(f * hitMs.length))].toFixed(3);
console.log(`findAffected over ${INVENTORIES} inventories, each of the ${times.length} advisories: total ${total.toFixed(0)} ms; median ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${q(1)} ms`);
console.log(`  the ${hitting.length} advisories with hits: median ${hq(0.5)} ms, p99 ${hq(0.99)} ms, max ${hq(1)} ms; ${hitting.reduce((n, x) => n + x.hits, 0)} package hits`);
for (const x of [...times].sort((a, b) => b.hits - a.hits).slice(0, 3)) console.log(`  e.g. ${x.id}: ${x.hits} packages in ${x.ms.toFixed(3)} ms`);
for (const x of [...times].sort((a, b) => b.ms - a.ms).slice(0, 3)) console.log(`  slowest ${x.id}: ${x.hits} packages in ${x.ms.toFixed(3)} ms`);
