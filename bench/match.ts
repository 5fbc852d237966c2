/**
 * bench/match — matching throughput on the real data set.
 *
 * 1. Loads every advisory set of ../shared/vulndata into memory (AdvisoryIndex by exact ecosystem +
 *    normalized name) and compiles it.
 * 2. Draws 100,000 packages from the real package names in the data, three sets: (a) each with an
 *    old version taken from that package's own advisories (a bound or a listed version), so nearly
 *    every package is affected by something; (b) with a version taken from another package of the
 *    same ecosystem; (c) mostly unaffected, the common real case: packages whose advisories name a
 *    fixed version, at the highest one (half) or at another package's version that none of its
 *    advisories affects (half; see `drawUnaffected`). Each set is matched on one thread, with and
 *    without fix guidance: package × advisory-entry evaluations per second (target ≥ 1M/s per
 *    core) and packages per second. An evaluation is one `affected[]` entry judged for one package
 *    (the entries of the advisories naming the package; once a record hits, its further entries
 *    for that package are not evaluated and not counted); the rate over all package × entry pairs
 *    of the packages' groups is printed beside it ("pairs"). A baseline times the lookups plus the
 *    "not affected?" test of every pair without building any explanation or report. Figures are
 *    per wall second and per CPU second of this process (user + system; the machine may be
 *    shared), best and median of BENCH_RUNS runs (every run is listed; the first one also builds
 *    the matches shared per interval). Each run starts after a full garbage collection and a
 *    second's pause, so that it pays for its own garbage (scavenges, any marking it starts) and
 *    not for the reports of the runs before it. Baselines in the same run: parsing the 100,000
 *    versions alone, and the package → group lookups alone. Groups are compiled and packed before
 *    (`AdvisoryIndex.prepare`).
 * 3. Builds 10,000 inventories of 50 such packages and times `findAffected` — every package one
 *    advisory affects — for every advisory of the data set (target < 10 ms): p50 (a typical
 *    advisory), p99 and max, then the slowest ones timed again (best of 5), to tell work from
 *    scheduling or GC noise.
 *
 * 4. The store-lookup path that scans and the engine use, cold (a fresh process) and warm, beside a
 *    reads-only baseline and the in-memory index: see the section at the end (BENCH_STORE=0 skips it;
 *    BENCH_STORE_PACKAGES, default 10,000 per set; BENCH_STORE_RUNS, default 2; BENCH_VULNDB=<sqlite>
 *    reuses an imported database; BENCH_NO_DROP=1 keeps the page cache).
 *
 * Run: node --import tsx bench/match.ts   (prints figures; no thresholds). BENCH_CASES=a,c runs only
 * those sets of step 2 (set (b) is drawn after (a): without (a) it holds other packages).
 * BENCH_PROFILE=<file.cpuprofile> writes a CPU profile (a sample every 100 µs) of each set's runs
 * with fix guidance on, as <file>.<set>.cpuprofile; BENCH_HEAP=<file.heapprofile> samples what those runs
 * allocate instead.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { silentLogger } from '../src/log.ts';
import { openStore } from '../src/store/index.ts';
import { importInputs } from '../src/vulndb/import.ts';
import type { Inventory, Package } from '../src/model/index.ts';
import { AdvisoryIndex, findAffected, InventoryIndex, isClean, isOsEcosystem, locate, matchInventorySync, searchOf } from '../src/matching/index.ts';
import { PackedCursor, packGroup } from '../src/matching/packed.ts';
import { SCHEMES, schemeIdForEcosystem } from '../src/versioning/index.ts';
import { loadVulndata } from '../src/matching/testutil.ts';
import { canDropCaches, coldMeaning, dropCaches, fmtRatio, fmtSummary, machineLoad, summarize } from './measure.ts';
import { profiled } from './profile.ts';

const PACKAGES = Number(process.env.BENCH_PACKAGES ?? 100_000);
const INVENTORIES = Number(process.env.BENCH_INVENTORIES ?? 10_000);
const PER_INVENTORY = 50;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const STORE_PACKAGES = Number(process.env.BENCH_STORE_PACKAGES ?? 10_000);
const STORE_PER = 500;
const STORE_RUNS = Number(process.env.BENCH_STORE_RUNS ?? 2);

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
const fmt = (n: number) => Math.round(n).toLocaleString('en');
/** wall and CPU (user + system) milliseconds of `f` */
function timed<T>(f: () => T): { value: T; wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = f();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { value, wall, cpu: (c.user + c.system) / 1000 };
}
/**
 * A full garbage collection now, and a pause for the collector's background sweeping to end (so
 * that it does not run inside the next timed section).
 */
const collectGarbage: () => Promise<void> = (() => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  return async () => {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 1000));
  };
})();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

let t = performance.now();
const loaded = await loadVulndata();
const rss = () => `${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB RSS`;
console.log(`load: ${loaded.records.length} records in ${ms(t)} ms (${JSON.stringify(loaded.sources)})`);
t = performance.now();
const index = AdvisoryIndex.fromRecords(loaded.records);
index.prepare();
console.log(`index + compile + pack: ${index.packages} packages in ${ms(t)} ms (${rss()})`);

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
/**
 * The common real case: a package at a version no advisory of it affects. Drawn from the packages
 * whose advisories name a fixed version; half at the highest version they name as fixed (spelled
 * like a bound), half at a version taken from another package of the ecosystem that every advisory
 * of this one judges "not affected" (a real version string that must usually be parsed), when one
 * is found in 20 draws. Packages whose advisories are all open (malicious packages, unfixed issues)
 * are left out: few real inventories hold them.
 */
const fixedPool = pool.flatMap((c) => {
  const g = index.group(c.ecosystem, c.name)!;
  const scheme = g.ecoScheme;
  let top: string | undefined;
  let topRank = -Infinity;
  for (const e of g.entries) {
    for (const v of e.compiled.fixedSorted ?? []) {
      const r = scheme ? locate(v, g.universes).rank(scheme) : 'none';
      if (typeof r === 'number' && r > topRank) [top, topRank] = [v, r];
    }
  }
  return top === undefined ? [] : [{ ...c, top }];
});
function drawUnaffected(i: number): Package {
  const c = pick(fixedPool);
  let version = c.top;
  if (i % 2 === 1) {
    const g = index.group(c.ecosystem, c.name)!;
    for (let k = 0; k < 20; k++) {
      const v = pick(pick(poolByEco.get(c.ecosystem)!).versions);
      const at = locate(v, g.universes, index.parseCache);
      if (g.entries.every((e) => isClean(e.compiled, at))) {
        version = v;
        break;
      }
    }
  }
  return isOsEcosystem(c.ecosystem)
    ? { ecosystem: c.ecosystem, name: c.name, sourceName: c.name, version }
    : { ecosystem: c.ecosystem, name: c.name, version };
}
const CASES = [
  { key: 'a', what: 'versions drawn from their own advisories', draw: () => drawPackage(false) },
  { key: 'b', what: 'versions drawn from other packages of the ecosystem', draw: () => drawPackage(true) },
  { key: 'c', what: `mostly unaffected: at the highest fixed version their advisories name, or at a version of another package that none of their advisories affects (${fixedPool.length} of the ${pool.length} packages have a fixed version)`, draw: drawUnaffected },
];
// BENCH_CASES=a,c: only those sets (while iterating on one)
const only = process.env.BENCH_CASES?.split(',');
const drawn = new Map<string, { what: string; packages: Package[] }>();
for (const { key, what, draw } of CASES) {
  if (only && !only.includes(key)) continue;
  // set (c) draws from its own random sequence: (a), (b) and the inventories below stay as they were
  const saved = seed;
  if (draw === drawUnaffected) seed = 0xc0ffee;
  const packages = Array.from({ length: PACKAGES }, (_, i) => draw(i));
  if (draw === drawUnaffected) seed = saved;
  drawn.set(key, { what, packages });
  console.log(`\n${PACKAGES} packages, ${what}:`);
  // baselines: parsing every version alone in its ecosystem's scheme, and the package → group lookups alone
  const parse = timed(() => {
    let failed = 0;
    for (const p of packages) {
      const id = schemeIdForEcosystem(p.ecosystem);
      try {
        if (id) SCHEMES[id].parse(p.sourceVersion ?? p.version);
      } catch {
        failed++;
      }
    }
    return failed;
  });
  const lookups = timed(() => {
    let entries = 0;
    for (const p of packages) {
      const t = searchOf(p);
      if ('name' in t) entries += index.group(t.ecosystem, t.name)?.entries.length ?? 0;
    }
    return entries;
  });
  // the lookups plus the "not affected?" test of every package × entry pair (no explanation, no report)
  const cursor = new PackedCursor();
  const verdicts = timed(() => {
    let dirty = 0;
    for (const p of packages) {
      const t = searchOf(p);
      if (!('name' in t)) continue;
      const g = index.group(t.ecosystem, t.name);
      if (!g || g.entries.length === 0) continue;
      cursor.reset((g.packed ??= packGroup(g.entries.map((e) => e.compiled), g.universes)), t.version, index.parseCache);
      for (let i = 0; i < g.entries.length; i++) if (cursor.test(i) !== 0) dirty++;
    }
    return dirty;
  });
  console.log(
    `  baseline: parse the ${PACKAGES} versions alone ${parse.wall.toFixed(0)} ms wall / ${parse.cpu.toFixed(0)} ms CPU (${parse.value} unparseable); ` +
    `target + group lookup alone ${lookups.wall.toFixed(0)} ms wall / ${lookups.cpu.toFixed(0)} ms CPU; ${lookups.value} package × advisory-entry pairs\n` +
    `  baseline: lookup + "not affected?" test of all ${lookups.value} pairs, no explanation or report: ${verdicts.wall.toFixed(0)} ms wall / ${verdicts.cpu.toFixed(0)} ms CPU ` +
    `(${fmt(lookups.value / verdicts.wall * 1000)} pairs/s wall, ${fmt(lookups.value / verdicts.cpu * 1000)} per CPU-s; ${verdicts.value} pairs not clean)`,
  );
  // warm up (JIT), then measure
  matchInventorySync(packages.slice(0, 5000), index, { fixGuidance: false });
  for (const fixGuidance of [false, true]) {
    const runs: { wall: number; cpu: number }[] = [];
    let s: ReturnType<typeof matchInventorySync>['stats'] | undefined;
    const measure = async () => {
      for (let i = 0; i < RUNS; i++) {
        await collectGarbage(); // each run starts without the previous runs' reports (their GC is not this run's cost)
        const r = timed(() => matchInventorySync(packages, index, { fixGuidance }));
        s = r.value.stats;
        runs.push({ wall: r.wall, cpu: r.cpu }); // (not the report: it would stay in the heap)
      }
    };
    // (profiled with fix guidance only: the runs without it are the same work less the guidance)
    await (fixGuidance ? profiled(key, measure) : measure());
    const bestWall = Math.min(...runs.map((r) => r.wall)) / 1000;
    const bestCpu = Math.min(...runs.map((r) => r.cpu)) / 1000;
    const medWall = median(runs.map((r) => r.wall)) / 1000;
    const medCpu = median(runs.map((r) => r.cpu)) / 1000;
    console.log(
      `  match, fix guidance ${fixGuidance ? 'on ' : 'off'}: ${s!.evaluations} evaluations, ${s!.matches} matches, ${s!.unknown} unknown; ` +
      `runs ${runs.map((r) => `${r.wall.toFixed(0)}/${r.cpu.toFixed(0)}`).join(', ')} ms wall/CPU\n` +
      `    best:   ${fmt(s!.evaluations / bestWall)} evaluations/s wall, ${fmt(s!.evaluations / bestCpu)} per CPU-s (pairs: ${fmt(lookups.value / bestWall)} / ${fmt(lookups.value / bestCpu)}); ${fmt(s!.packages / bestWall)} packages/s wall, ${fmt(s!.packages / bestCpu)} per CPU-s\n` +
      `    median: ${fmt(s!.evaluations / medWall)} evaluations/s wall, ${fmt(s!.evaluations / medCpu)} per CPU-s (pairs: ${fmt(lookups.value / medWall)} / ${fmt(lookups.value / medCpu)}); ${fmt(s!.packages / medWall)} packages/s wall, ${fmt(s!.packages / medCpu)} per CPU-s\n` +
      `    first timed run (NOT cold: this process's JIT, parse cache and packed groups are warmed by the baselines and the warm-up above; cold figures are the store-lookup path's below): ${fmt(s!.evaluations / runs[0].wall * 1000)} evaluations/s wall, ${fmt(s!.evaluations / runs[0].cpu * 1000)} per CPU-s (it builds the matches shared per interval${fixGuidance ? ' and the fix guidance at each installed rank' : ''})`,
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
console.log(`\nbuilt ${INVENTORIES} inventories (${invIndex.packages} packages) and their index in ${ms(t)} ms`);

// every advisory of the data set, one at a time (the first pass also parses each installed version
// the first time an advisory names its package: that cost is included)
for (const r of loaded.records.slice(0, 2000)) findAffected(r, invIndex); // warm up (JIT)
const times: { id: string; ms: number; hits: number }[] = [];
const all = timed(() => {
  for (const r of loaded.records) {
    const t0 = performance.now();
    const n = findAffected(r, invIndex).length;
    times.push({ id: r.id, ms: performance.now() - t0, hits: n });
  }
});
const sortedMs = times.map((x) => x.ms).sort((a, b) => a - b);
const q = (f: number) => sortedMs[Math.min(sortedMs.length - 1, Math.floor(f * sortedMs.length))].toFixed(3);
const hitting = times.filter((x) => x.hits > 0);
const hitMs = hitting.map((x) => x.ms).sort((a, b) => a - b);
const hq = (f: number) => hitMs[Math.min(hitMs.length - 1, Math.floor(f * hitMs.length))].toFixed(3);
console.log(`findAffected over ${INVENTORIES} inventories, each of the ${times.length} advisories: total ${all.wall.toFixed(0)} ms wall / ${all.cpu.toFixed(0)} ms CPU; p50 (typical advisory) ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${q(1)} ms; ${times.filter((x) => x.ms >= 10).length} at or over 10 ms`);
console.log(`  the ${hitting.length} advisories with hits: p50 ${hq(0.5)} ms, p99 ${hq(0.99)} ms, max ${hq(1)} ms; ${hitting.reduce((n, x) => n + x.hits, 0)} package hits`);
const byId = new Map(loaded.records.map((r) => [r.id, r]));
const again = (id: string) => {
  const r = byId.get(id)!;
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    findAffected(r, invIndex);
    best = Math.min(best, performance.now() - t0);
  }
  return best.toFixed(3);
};
for (const x of [...times].sort((a, b) => b.hits - a.hits).slice(0, 3)) console.log(`  most hits ${x.id}: ${x.hits} packages in ${x.ms.toFixed(3)} ms (again, best of 5: ${again(x.id)} ms)`);
const slowest = [...times].sort((a, b) => b.ms - a.ms).slice(0, 20);
const retimed = slowest.map((x) => ({ ...x, again: Number(again(x.id)) }));
for (const x of retimed.slice(0, 3)) console.log(`  slowest ${x.id}: ${x.hits} packages in ${x.ms.toFixed(3)} ms (again, best of 5: ${x.again.toFixed(3)} ms)`);
console.log(`  the 20 slowest timed again (best of 5 each): max ${Math.max(...retimed.map((x) => x.again)).toFixed(3)} ms (${retimed.sort((a, b) => b.again - a.again)[0].id})`);

/**
 * The store-lookup path: what `vigil scan` and the engine's scans run (src/engine/isolate-tasks.ts
 * in the isolated scan process, src/engine/scan.ts) — `matchInventory(inventory, packageLookup(store))`, fix guidance on, the advisories read from the
 * SQLite database per package and compiled per call — on the first BENCH_STORE_PACKAGES packages
 * of each set above, as inventories of 500. Each figure comes from a fresh process
 * (bench/match-store-child.ts): its first pass is cold, its second warm. Baseline in the same rounds,
 * alternating with it: the same processes doing only the reads (`packageLookup` per distinct package,
 * rows not parsed). And in this process, warm: the prepared in-memory index on the same inventories.
 */
if (process.env.BENCH_STORE !== '0' && drawn.size > 0) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-match-'));
  try {
    const dbFile = join(dir, 'vigil.db');
    t = performance.now();
    if (process.env.BENCH_VULNDB) {
      copyFileSync(process.env.BENCH_VULNDB, dbFile);
      console.log(`\nstore: vulnerability database copied from ${process.env.BENCH_VULNDB}`);
    } else {
      const store = await openStore(`sqlite:${dbFile}`);
      try {
        const imp = await importInputs([resolve(import.meta.dirname, '..', '..', 'shared', 'vulndata')], { store, log: silentLogger() });
        console.log(`\nstore: ../shared/vulndata imported into a fresh SQLite database, ${fmt(imp.added)} records in ${ms(t)} ms (BENCH_VULNDB=<file> reuses one)`);
      } finally {
        await store.close();
      }
    }
    const dropped = canDropCaches();
    console.log(`store-lookup path (matchInventory + packageLookup, as vigil scan and the engine run it; fix guidance on), inventories of ${STORE_PER}; ${STORE_RUNS} rounds, each a fresh process per figure, reads-only and store path alternating; ${coldMeaning(dropped)}; warm = the second pass over the same inventories in that process`);
    const child = (invFile: string, mode: 'match' | 'lookup') => {
      if (dropped) dropCaches();
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'match-store-child.ts'), dbFile, invFile, mode], { encoding: 'utf8', maxBuffer: 1 << 26 });
      if (r.status !== 0) throw new Error(`match-store-child ${mode} exited ${r.status}: ${r.stderr.slice(-800)}`);
      return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { openMs: number; passes: { wall: number; cpu: number; first: number; evaluations: number; matches: number; packages: number; lookups: number; rows: number }[] };
    };
    for (const [key, { packages }] of drawn) {
      const inventories: Package[][] = [];
      const sel = packages.slice(0, STORE_PACKAGES);
      for (let i = 0; i < sel.length; i += STORE_PER) inventories.push(sel.slice(i, i + STORE_PER));
      const invFile = join(dir, `inventories-${key}.json`);
      writeFileSync(invFile, JSON.stringify(inventories));
      // the prepared in-memory index on the same inventories, warm (after the runs above)
      const mem: number[] = [];
      const memCpu: number[] = [];
      let memMatches = 0;
      for (let i = 0; i < Math.max(3, RUNS); i++) {
        const r = timed(() => inventories.reduce((n, inv) => n + matchInventorySync(inv, index, {}).stats.matches, 0));
        mem.push(r.wall);
        memCpu.push(r.cpu);
        memMatches = r.value;
      }
      const runs = { match: [] as ReturnType<typeof child>[], lookup: [] as ReturnType<typeof child>[] };
      for (let r = 0; r < STORE_RUNS; r++) {
        for (const mode of r % 2 === 0 ? (['lookup', 'match'] as const) : (['match', 'lookup'] as const)) runs[mode].push(child(invFile, mode));
      }
      const pass = (mode: 'match' | 'lookup', i: number, f: (p: ReturnType<typeof child>['passes'][number]) => number) => runs[mode].map((x) => f(x.passes[i]));
      const m0 = runs.match[0].passes[0];
      const l0 = runs.lookup[0].passes[0];
      console.log(`\n  set (${key}): ${fmt(sel.length)} packages in ${inventories.length} inventories; ${fmt(m0.evaluations)} evaluations, ${fmt(m0.matches)} matches through the store (the in-memory index: ${fmt(memMatches)} matches${memMatches === m0.matches ? ', the same' : ' — DIFFERENT'}); ${fmt(l0.lookups)} lookups reading ${fmt(l0.rows)} rows`);
      for (const [i, label] of [[0, 'cold'], [1, 'warm']] as const) {
        const wall = summarize(pass('match', i, (p) => p.wall));
        const cpu = summarize(pass('match', i, (p) => p.cpu));
        const first = summarize(pass('match', i, (p) => p.first));
        const read = summarize(pass('lookup', i, (p) => p.wall));
        const readCpu = summarize(pass('lookup', i, (p) => p.cpu));
        console.log(
          `    ${label}: store path ${fmtSummary(wall, 'ms', 0)} → ${fmt(sel.length / wall.median * 1000)} packages/s, ${fmt(m0.evaluations / wall.median * 1000)} evaluations/s wall (${fmt(m0.evaluations / cpu.median * 1000)} per CPU-s); first inventory of ${STORE_PER}: median ${first.median.toFixed(0)} ms\n` +
          `          reads only ${fmtSummary(read, 'ms', 0)}, CPU median ${readCpu.median.toFixed(0)} ms; store path / reads only: wall ${fmtRatio(pass('match', i, (p) => p.wall), pass('lookup', i, (p) => p.wall))}; CPU ${(cpu.median / readCpu.median).toFixed(1)}× of medians`,
        );
      }
      const memS = summarize(mem);
      const warmStore = summarize(pass('match', 1, (p) => p.wall));
      const warmStoreCpu = summarize(pass('match', 1, (p) => p.cpu));
      const memCpuS = summarize(memCpu);
      console.log(`    prepared in-memory index, same inventories, warm: ${fmtSummary(memS, 'ms', 0)}, CPU median ${memCpuS.median.toFixed(0)} ms → ${fmt(sel.length / memS.median * 1000)} packages/s wall, ${fmt(sel.length / memCpuS.median * 1000)} per CPU-s; store path warm / in-memory: wall ${(warmStore.median / memS.median).toFixed(1)}×, CPU ${(warmStoreCpu.median / memCpuS.median).toFixed(1)}× of medians`);
      console.log(`    (store opened in ${summarize(runs.match.map((x) => x.openMs)).median.toFixed(0)} ms, not in the figures; ${machineLoad()})`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
