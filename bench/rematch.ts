/**
 * bench/rematch — the continuous findings core at scale (issue 5), on SQLite.
 *
 * 1. Imports real advisory sets of ../shared/vulndata (default every ecosystem's: Go, crates.io,
 *    PyPI, AlmaLinux, Debian DSA/DLA, Alpine secdb, npm (nodejs security-wg), RubyGems (rubysec),
 *    Packagist (FriendsOfPHP); BENCH_SETS to change) into a fresh SQLite file.
 * 2. Stores 1,000 resources × 500 packages (BENCH_RESOURCES, BENCH_PACKAGES; 10,000 for the figures
 *    at scale quoted in src/findings/README.md), synthetic inventories of real package names (those
 *    the imported advisories name, and those of the real inventories of bench/real-inventories.ts)
 *    at realistic, diverse versions: half the time, where there is one, a version a real inventory
 *    has (the dpkg status of the bullseye/bookworm targets, the -app images' package-lock.json and
 *    Python dist-info, an Alpine installed database); else a value the advisories name or its
 *    neighbour — BENCH_VULN_RATE of the time (default 5%) near the affected side (introduced,
 *    last_affected, listed versions, one above an introduced, one below a fixed), else near the
 *    clean side (fixed, one above it or above a last_affected, one below an introduced; BENCH_CURRENT,
 *    default 85%, of those draws one of the two highest: up to date).
 *    Packages whose advisories name no version are left out, as before. BENCH_DRAW=flat draws as
 *    before issue 14 instead (2% a version the advisories name, else "9999.0.0"), to compare. The
 *    number of distinct (package, version) pairs — what a full rematch's memo matches once — is
 *    printed, per ecosystem.
 * 3. Times rematchAll from empty findings (creates every finding), then again with nothing changed
 *    (the steady-state full rematch: matching everything, writing nothing).
 * 4. Imports two updates of 100 changed advisories and times rematchChangeSet on each change set,
 *    then its re-run (idempotent, nothing to write): (a) re-scored (new CVSS vectors, same ranges —
 *    findings change severity, none appear: what most updates do); (b) re-scored with a fifth of
 *    them made to affect every version (tens of thousands of new findings: write-bound).
 * 5. p50/p99/max of affectedResources over 300 vulnerability ids that have findings, all accounts
 *    and one account.
 *
 * 6. With BENCH_API=1: the API p99 of a filtered findings page over 1M findings: bench/api.ts
 *    (SQLite) in a child process with its own store, its table printed here (off by default, to keep
 *    the default run to a few minutes; `node --import tsx bench/api.ts` runs it alone).
 *
 * Targets (issue 5): delta < 1 s, full rematch < 60 s, affected-resources query < 50 ms.
 * Run: node --import tsx bench/rematch.ts   (prints figures; no thresholds)
 * While iterating: BENCH_VULNDB=<sqlite file> copies the vulnerability tables of an earlier import
 * instead of importing; BENCH_SAVE=<file> writes the populated database there and stops;
 * BENCH_DIR=<dir> keeps the working database in that directory. BENCH_FROM=<file> starts from a database saved
 * with BENCH_SAVE (populated) or BENCH_SAVE_MATCHED (populated and fully matched: the rematchAll steps are
 * skipped). BENCH_PROFILE=<file.cpuprofile> profiles the delta rematch (a sample every 100 µs);
 * BENCH_HEAP=<file.heapprofile> samples what it allocates instead.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, fsyncSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { silentLogger } from '../src/log.ts';
import type { OsvRecord, Package } from '../src/model/index.ts';
import { isOsEcosystem, packageKey, targetOf } from '../src/matching/index.ts';
import { SCHEMES, schemeIdForEcosystem, type Version } from '../src/versioning/index.ts';
import { openStore } from '../src/store/index.ts';
import { importInputs } from '../src/vulndb/import.ts';
import { affectedResources, packageRow, rematchAll, rematchChangeSet } from '../src/findings/index.ts';
import { canDropCaches, coldMeaning, dropCaches, machineLoad } from './measure.ts';
import { profiled } from './profile.ts';
import { realInventories } from './real-inventories.ts';
import { neighbours } from './versions.ts';

const RESOURCES = Number(process.env.BENCH_RESOURCES ?? 1_000);
const PER = Number(process.env.BENCH_PACKAGES ?? 500);
const VULN_RATE = Number(process.env.BENCH_VULN_RATE ?? 0.05);
const CURRENT = Number(process.env.BENCH_CURRENT ?? 0.85);
/** BENCH_DRAW=flat: the version draw before issue 14 (2% a named version, else 9999.0.0), to compare */
const FLAT = process.env.BENCH_DRAW === 'flat';
const ACCOUNTS = 10;
const CHANGED = 100;
const DATA = resolve(import.meta.dirname, '..', '..', 'shared', 'vulndata');
const SETS = (process.env.BENCH_SETS ?? 'Go,crates.io,PyPI,AlmaLinux,debian,alpine,native/nodejs-security-wg,native/rubysec,native/friendsofphp').split(',');
const log = silentLogger();

let seed = 0x5eed;
function rand(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)];
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const fmt = (n: number) => Math.round(n).toLocaleString('en');
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const rss = () => `${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB RSS`;
const cpuNow = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
const pct100 = (n: number, of: number) => `${(n / of * 100).toFixed(1)}%`;
interface Candidate { ecosystem: string; name: string; near: Set<string>; clean: Set<string>; real: Package[] }

const dir = process.env.BENCH_DIR ?? mkdtempSync(join(tmpdir(), 'vigil-bench-rematch-'));
// BENCH_FROM=<file written by BENCH_SAVE>: start from that populated database (skips import and population)
let copied = 0;
if (process.env.BENCH_FROM) {
  const t0 = performance.now();
  // an earlier run's write-ahead log in the same directory would be replayed onto the copy
  for (const ext of ['-wal', '-shm']) rmSync(join(dir, `vigil.db${ext}`), { force: true });
  copyFileSync(process.env.BENCH_FROM, join(dir, 'vigil.db'));
  // written to disk before anything is measured: otherwise the kernel writes the copy's gigabytes
  // back while the first rematch runs, and that rematch's figure swings by half a second
  const fd = openSync(join(dir, 'vigil.db'), 'r+');
  fsyncSync(fd);
  closeSync(fd);
  copied = performance.now() - t0;
}
const store = await openStore(`sqlite:${join(dir, 'vigil.db')}`);
const dropped = canDropCaches();
try {
  let t = performance.now();
  if (process.env.BENCH_FROM) {
    console.log(`populated database copied from ${process.env.BENCH_FROM} and synced in ${s(copied)}`);
  } else if (process.env.BENCH_VULNDB) {
    // a ready vulnerability database (a copy of an earlier import), to skip the import while iterating
    store.raw.sqlite!.exec(`attach '${process.env.BENCH_VULNDB}' as src`);
    for (const tbl of ['vuln_records', 'vuln_affected', 'vuln_aliases', 'vuln_groups', 'cve_enrichment', 'sources', 'import_runs', 'change_sets', 'change_set_records', 'change_set_packages']) store.raw.sqlite!.exec(`insert into ${tbl} select * from src.${tbl}`);
    store.raw.sqlite!.exec('detach src');
    console.log(`vulnerability data copied from ${process.env.BENCH_VULNDB} in ${s(performance.now() - t)}`);
  } else {
    const imp = await importInputs(SETS.map((x) => join(DATA, x)), { store, log });
    console.log(`import ${SETS.join(', ')}: ${fmt(imp.added)} records in ${s(performance.now() - t)}`);
  }

  // the pool: real (ecosystem, name) pairs named by the advisories (plus the packages of the real
  // inventories), each with the versions to draw from (see `drawVersion`)
  const byKey = new Map<string, Candidate>();
  const entry = (ecosystem: string, name: string) => {
    const k = packageKey(ecosystem, name);
    let e = byKey.get(k);
    if (!e) byKey.set(k, (e = { ecosystem, name, near: new Set(), clean: new Set(), real: [] }));
    return e;
  };
  for (const row of await store.db.selectFrom('vuln_affected').select(['ecosystem', 'name', 'slim']).execute()) {
    const e = entry(row.ecosystem, row.name);
    const rec = JSON.parse(row.slim) as OsvRecord;
    for (const a of rec.affected ?? []) {
      for (const v of a.versions ?? []) e.near.add(v);
      for (const r of a.ranges ?? []) {
        if (r.type === 'GIT') continue;
        for (const event of r.events) {
          const ev = event as { introduced?: string; fixed?: string; last_affected?: string };
          if (ev.introduced !== undefined && ev.introduced !== '0' && ev.introduced !== '0.0.0-0') {
            e.near.add(ev.introduced);
            const [below, above] = neighbours(ev.introduced);
            if (below) e.clean.add(below);
            if (above) e.near.add(above);
          }
          if (ev.fixed !== undefined) {
            e.clean.add(ev.fixed);
            const [below, above] = neighbours(ev.fixed);
            if (below) e.near.add(below);
            if (above) e.clean.add(above);
          }
          if (ev.last_affected !== undefined) {
            e.near.add(ev.last_affected);
            const [, above] = neighbours(ev.last_affected);
            if (above) e.clean.add(above);
          }
        }
      }
    }
  }
  const real = await realInventories();
  for (const inv of real.inventories) {
    for (const p of inv.packages) {
      const t = targetOf(p);
      if (!('key' in t)) continue;
      entry(t.ecosystem, t.name).real.push(p);
    }
  }
  console.log(`real inventories: ${real.inventories.map((i) => `${i.ref} (${i.packages.length})`).join(', ')}${real.missing.length ? `; not built, left out: ${real.missing.join(', ')}` : ''}`);
  // (packages whose advisories name no version — every version affected, or GIT ranges only — are left out, as before)
  const pool = [...byKey.values()].filter((e) => e.near.size + e.clean.size + e.real.length > 0);
  const lists = new Map<Candidate, { near: string[]; clean: string[]; top: string[] }>();
  const listsOf = (c: Candidate) => {
    let l = lists.get(c);
    if (!l) {
      // the two highest clean values in the ecosystem's order (unparseable ones left out of those)
      const id = schemeIdForEcosystem(c.ecosystem);
      const ranked: { v: string; p: Version }[] = [];
      for (const v of c.clean) {
        try {
          if (id) ranked.push({ v, p: SCHEMES[id].parse(v) });
        } catch {
          // not a version of this scheme: still drawn among the others
        }
      }
      ranked.sort((a, b) => SCHEMES[id!].compare(b.p, a.p));
      lists.set(c, (l = { near: [...c.near], clean: [...c.clean], top: ranked.slice(0, 2).map((x) => x.v) }));
    }
    return l;
  };
  const drawn = { real: 0, near: 0, clean: 0 };
  /**
   * A version for one package instance: half the time a version a real inventory has, when one
   * does; else, BENCH_VULN_RATE of the time, a version near an affected one (an introduced or
   * last_affected value, a listed version, the one above an introduced or below a fixed value);
   * else one near the clean side (a fixed value, the one above it or above a last_affected, the
   * one below an introduced), BENCH_CURRENT of the time one of the two highest of those (up to date). Whether it is affected is for matching to say (a fix of an old
   * advisory is often inside a newer one's range).
   */
  const drawVersion = (c: Candidate): Package => {
    const os = isOsEcosystem(c.ecosystem);
    const make = (version: string): Package => os
      ? { ecosystem: c.ecosystem, name: c.name, sourceName: c.name, version, locations: ['/var/lib/dpkg/status'] }
      : { ecosystem: c.ecosystem, name: c.name, version, locations: [`/app/${c.ecosystem}.lock`] };
    if (FLAT) {
      // the draw before issue 14, for comparison: 2% a version the advisories name, else one above every bound
      const l = listsOf(c);
      const named = [...l.near, ...l.clean];
      if (named.length > 0 && rand() < 0.02) {
        drawn.near++;
        return make(pick(named));
      }
      drawn.clean++;
      return make(c.ecosystem.startsWith('AlmaLinux') ? '999:9999.0.0-1' : '9999.0.0');
    }
    if (c.real.length > 0 && (rand() < 0.5 || c.near.size + c.clean.size === 0)) {
      drawn.real++;
      return { ...pick(c.real) };
    }
    const l = listsOf(c);
    if (l.near.length > 0 && (l.clean.length === 0 || rand() < VULN_RATE)) {
      drawn.near++;
      return make(pick(l.near));
    }
    drawn.clean++;
    // most installs are up to date (BENCH_CURRENT): at one of the two highest clean values
    return make(pick(l.top.length > 0 && rand() < CURRENT ? l.top : l.clean));
  };
  console.log(`package pool: ${fmt(pool.length)} real (ecosystem, name) pairs; each drawn into ~${fmt((RESOURCES * PER) / pool.length)} resources`);

  // resources and their packages, written directly (the scans that would have produced them are not what is measured)
  t = performance.now();
  const db = store.raw.sqlite!;
  if (!process.env.BENCH_FROM) {
  const insRes = db.prepare(`insert into resources (id, account_id, type, name, ref, digest, tags, coverage_status, coverage_reason, last_scanned_at, created_at, updated_at)
    values (?, ?, 'image', ?, ?, ?, '[]', 'ACTIVE', 'SUCCESSFUL', ?, ?, ?)`);
  const insPkg = db.prepare(`insert into resource_packages (resource_id, ecosystem, name, search_name, version, purl, location, layer, source_name, source_version, owned_by)
    values (@resource_id, @ecosystem, @name, @search_name, @version, @purl, @location, @layer, @source_name, @source_version, @owned_by)`);
  const at = new Date('2025-06-01T00:00:00Z').toISOString();
  const families = new Map<string, { rows: number; versions: Set<string> }>();
  db.transaction(() => {
    for (let i = 0; i < RESOURCES; i++) {
      const id = `res-${String(i).padStart(6, '0')}`;
      insRes.run(id, `acct-${i % ACCOUNTS}`, `reg/app-${i % 2000}`, `reg/app-${i % 2000}:${i}`, `sha256:${i}`, at, at, at);
      const used = new Set<number>();
      while (used.size < PER) used.add(Math.floor(rand() * pool.length));
      for (const j of used) {
        const p = drawVersion(pool[j]);
        const row = packageRow(id, p);
        const family = p.ecosystem.split(':')[0];
        const f = families.get(family) ?? families.set(family, { rows: 0, versions: new Set() }).get(family)!;
        f.rows++;
        f.versions.add(`${row.search_name}\0${p.sourceVersion ?? p.version}`);
        insPkg.run(row);
      }
    }
  })();
  console.log(`stored ${fmt(RESOURCES)} resources × ${PER} packages = ${fmt(RESOURCES * PER)} rows in ${s(performance.now() - t)} (${rss()})`);
  const distinct = [...families.values()].reduce((n, f) => n + f.versions.size, 0);
  const rows = RESOURCES * PER;
  console.log(`version diversity: ${fmt(distinct)} distinct (package, searched version) pairs over ${fmt(rows)} rows (${(distinct / rows * 100).toFixed(1)}%; the memo of a full rematch matches each pair once); ${FLAT ? `the draw before issue 14 (BENCH_DRAW=flat): a version the advisories name ${pct100(drawn.near, rows)}, 9999.0.0 ${pct100(drawn.clean, rows)}` : `versions drawn from real inventories ${pct100(drawn.real, rows)}, near affected ${pct100(drawn.near, rows)}, near clean ${pct100(drawn.clean, rows)}`}`);
  console.log(`  per ecosystem: ${[...families].sort((a, b) => b[1].rows - a[1].rows).map(([k, f]) => `${k} ${fmt(f.rows)} rows / ${fmt(f.versions.size)} distinct`).join('; ')}`);
  }

  if (process.env.BENCH_SAVE) await saveAndStop(process.env.BENCH_SAVE);
  // BENCH_FROM a database saved with BENCH_SAVE_MATCHED: the findings exist already; skip the full rematches
  console.log(`(${machineLoad()})`);
  const matchedAlready = Number((await store.db.selectFrom('findings').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n) > 0;
  if (!matchedAlready) {
    const now1 = new Date('2025-06-02T00:00:00Z');
    if (dropped) dropCaches();
    const c0 = cpuNow();
    const cold = await rematchAll(store, now1);
    const coldCpu = cpuNow() - c0;
    const nFindings = Number((await store.db.selectFrom('findings').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    console.log(`\n${coldMeaning(dropped)}; warm = run again in the same process. Wall time, and this process's CPU time (SQLite runs in it)`);
    console.log(`rematchAll, from no findings (cold): ${s(cold.durationMs)}, CPU ${s(coldCpu)} — ${fmt(cold.packages)} packages, ${fmt(cold.created)} findings created (${fmt(nFindings)} stored) (${rss()})`);
    const c1 = cpuNow();
    const warm = await rematchAll(store, new Date('2025-06-03T00:00:00Z'));
    const warmCpu = cpuNow() - c1;
    console.log(`rematchAll, nothing changed (warm):  ${s(warm.durationMs)}, CPU ${s(warmCpu)} — ${fmt(warm.packages)} packages, created ${warm.created}, updated ${warm.updated}, closed ${warm.closed}  [target < 60 s] (${rss()})`);
  }
  if (process.env.BENCH_SAVE_MATCHED) await saveAndStop(process.env.BENCH_SAVE_MATCHED);

  // the update: 100 advisories naming packages the resources have, re-scored; every fifth made to affect all versions
  // ids first, then only the chosen records' JSON: the whole data set held here would inflate the
  // heap every GC of the measured rematch walks
  const candidates = await store.db.selectFrom('vuln_records').select(['id']).where('withdrawn', 'is', null).orderBy('id').execute();
  const chosen: OsvRecord[] = [];
  const step = Math.max(1, Math.floor(candidates.length / (CHANGED * 3)));
  for (let i = 0; i < candidates.length && chosen.length < CHANGED; i += step) {
    const r = JSON.parse((await store.db.selectFrom('vuln_records').select('json').where('id', '=', candidates[i].id).executeTakeFirstOrThrow()).json) as OsvRecord;
    if ((r.affected ?? []).some((a) => a.package && byKey.has(packageKey(a.package.ecosystem, a.package.name))) && (r.affected ?? []).every((a) => (a.ranges ?? []).every((x) => x.type !== 'GIT'))) chosen.push(r);
  }
  // two updates of the same 100 advisories: (a) re-scored, as most updates are (new CVSS, the same
  // ranges: findings change severity/score, none appear); (b) a fifth of them also made to affect
  // every version (a mass of new findings: the write-bound worst case)
  const write = (name: string, mutate: (r: OsvRecord, i: number) => void) => {
    const upd = join(dir, name);
    mkdirSync(join(upd, 'osv'), { recursive: true });
    chosen.forEach((orig, i) => {
      const r = structuredClone(orig);
      mutate(r, i);
      writeFileSync(join(upd, 'osv', `${r.id.replace(/:/g, '_')}.json`), JSON.stringify(r));
    });
    return upd;
  };
  const rescore = (r: OsvRecord, i: number) => {
    r.modified = '2025-06-04T00:00:00Z';
    r.severity = [{ type: 'CVSS_V3', score: i % 2 ? 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' : 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N' }];
  };
  let day = 4;
  for (const [label, upd] of [
    ['re-scored', write('update-rescored', rescore)],
    ['re-scored, 20 made to affect every version', write('update-widened', (r, i) => { rescore(r, i); r.modified = '2025-06-05T00:00:00Z'; if (i % 5 === 0) for (const a of r.affected ?? []) { a.ranges = [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }]; delete a.versions; } })],
  ] as const) {
    t = performance.now();
    const up = await importInputs([upd], { store, log });
    console.log(`\nupdate (${label}): ${up.modified} modified advisories naming ${up.packages} packages, imported in ${s(performance.now() - t)}`);
    const at = new Date(`2025-06-0${day++}T00:00:00Z`);
    if (dropped) dropCaches();
    const c0 = cpuNow();
    const delta = await profiled(`delta-${day}`, () => rematchChangeSet(store, up.changeSetId, at));
    const deltaCpu = cpuNow() - c0;
    console.log(`rematchChangeSet (cold): ${s(delta.durationMs)}, CPU ${s(deltaCpu)} — ${fmt(delta.resources)} resources, ${fmt(delta.packages)} packages rematched; created ${fmt(delta.created)}, updated ${fmt(delta.updated)}, closed ${fmt(delta.closed)}, unchanged ${fmt(delta.unchanged)}  [target < 1 s]`);
    const c1 = cpuNow();
    const again = await profiled(`rerun-${day}`, () => rematchChangeSet(store, up.changeSetId, new Date(at.getTime() + 3_600_000)));
    const againCpu = cpuNow() - c1;
    console.log(`rematchChangeSet re-run (warm, idempotent): ${s(again.durationMs)}, CPU ${s(againCpu)} — created ${again.created}, updated ${again.updated}, closed ${again.closed}`);
  }

  // affected resources
  const vulns = (await store.db.selectFrom('findings').select('vulnerability_id').distinct().where('status', '=', 'ACTIVE').execute()).map((r) => r.vulnerability_id);
  const sample = Array.from({ length: Math.min(300, vulns.length) }, () => pick(vulns));
  for (const id of sample.slice(0, 20)) await affectedResources(store, id, null); // warm-up
  for (const accounts of [null, ['acct-3']] as const) {
    const times: number[] = [];
    let maxRes = 0;
    for (const id of sample) {
      const t0 = performance.now();
      const r = await affectedResources(store, id, accounts);
      times.push(performance.now() - t0);
      maxRes = Math.max(maxRes, r.resources.length);
    }
    times.sort((a, b) => a - b);
    console.log(`affectedResources (${accounts ? 'one account' : 'all accounts'}), ${times.length} ids: p50 ${pct(times, 50).toFixed(2)} ms, p99 ${pct(times, 99).toFixed(2)} ms, max ${times.at(-1)!.toFixed(2)} ms (up to ${fmt(maxRes)} resources per answer)  [target < 50 ms]`);
  }
} finally {
  await store.close();
  if (!process.env.BENCH_DIR) rmSync(dir, { recursive: true, force: true });
}

/** BENCH_SAVE / BENCH_SAVE_MATCHED: the database written to `file`, then the run ends (its working directory removed as at the end). */
async function saveAndStop(file: string): Promise<never> {
  store.raw.sqlite!.exec(`vacuum into '${file.replaceAll("'", "''")}'`);
  console.log(`saved to ${file}`);
  await store.close();
  if (!process.env.BENCH_DIR) rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

// 6. the findings API over 1M findings: bench/api.ts on SQLite, in a child process with its own store
//    (1,000,000 findings of the shape a fleet has: see its header), after this one's store is closed.
//    Only with BENCH_API=1 (it takes longer than the rest of this bench).
if (process.env.BENCH_API === '1') {
  console.log('\nthe findings API over 1,000,000 findings (bench/api.ts, SQLite, 10 connections; p99 per filtered page) [target < 100 ms]:');
  const child = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'api.ts')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, BENCH_ONLY: process.env.BENCH_API_ONLY ?? '' } });
  const table = child.stdout.split('\n').filter((l) => /^\s+(scenario|\S.*\d+(\.\d+)? ms)/.test(l));
  for (const l of table) console.log(l);
  if (child.status !== 0 || table.length === 0) console.log(`  bench/api.ts failed (exit ${child.status}): ${child.stdout.slice(-500)}`);
}
