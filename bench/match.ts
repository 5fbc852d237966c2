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
import type { Inventory, OsvRecord, Package } from '../src/model/index.ts';
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
function drawPackage(): Package {
  const c = pick(pool);
  const version = pick(c.versions);
  // distro advisories name source packages: make a binary package whose source is that name
  return isOsEcosystem(c.ecosystem)
    ? { ecosystem: c.ecosystem, name: c.name, sourceName: c.name, version }
    : { ecosystem: c.ecosystem, name: c.name, version };
}
const packages = Array.from({ length: PACKAGES }, drawPackage);
console.log(`drew ${packages.length} packages from ${pool.length} real package names`);

// warm up (JIT), then measure
matchInventorySync(packages.slice(0, 5000), index, { fixGuidance: false });
for (const fixGuidance of [false, true]) {
  t = performance.now();
  const report = matchInventorySync(packages, index, { fixGuidance });
  const sec = (performance.now() - t) / 1000;
  const s = report.stats;
  console.log(
    `match ${s.packages} packages (fix guidance ${fixGuidance ? 'on' : 'off'}): ${(sec * 1000).toFixed(0)} ms, ` +
    `${s.evaluations} package–advisory evaluations → ${Math.round(s.evaluations / sec).toLocaleString('en')} evaluations/s on one core; ` +
    `${s.matches} matches, ${s.unknown} unknown, ${Math.round(s.packages / sec).toLocaleString('en')} packages/s`,
  );
}

// reverse: one advisory → every affected package among many inventories
t = performance.now();
const inventories: Inventory[] = Array.from({ length: INVENTORIES }, (_, i) => ({
  id: `inv-${i}`,
  packages: Array.from({ length: PER_INVENTORY }, drawPackage),
}));
const invIndex = new InventoryIndex(inventories);
console.log(`built ${INVENTORIES} inventories (${invIndex.packages} packages) and their index in ${ms(t)} ms`);

// the advisories naming the most indexed packages, plus a random sample
const byId = new Map(loaded.records.map((r) => [r.id, r]));
const reach = new Map<string, number>();
for (const inv of inventories) for (const p of inv.packages) {
  const name = p.sourceName ?? p.name;
  for (const r of index.lookup(p.ecosystem, name) as OsvRecord[]) reach.set(r.id, (reach.get(r.id) ?? 0) + 1);
}
const top = [...reach.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20).map(([id]) => byId.get(id)!);
const sample = Array.from({ length: 200 }, () => pick(loaded.records));
for (const r of [...top, ...sample]) findAffected(r, invIndex); // warm up
for (const [label, set] of [['20 advisories naming the most packages', top], ['200 random advisories', sample]] as const) {
  const times: number[] = [];
  let found = 0;
  for (const r of set) {
    const t0 = performance.now();
    found += findAffected(r, invIndex).length;
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const p = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(3);
  console.log(`findAffected over ${INVENTORIES} inventories, ${label}: median ${p(0.5)} ms, p95 ${p(0.95)} ms, max ${p(1)} ms; ${found} package hits in all`);
}
const worst = top[0];
const t0 = performance.now();
const hits = findAffected(worst, invIndex);
console.log(`e.g. ${worst.id}: ${hits.length} affected/unknown packages in ${new Set(hits.map((h) => h.inventory)).size} inventories, ${(performance.now() - t0).toFixed(3)} ms`);
