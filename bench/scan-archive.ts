/**
 * bench/scan-archive — image archives and big lockfiles against their own floors (issue 20), each
 * pair in the same round, as ratios with met / MISSED:
 *
 * | candidate | floor (the ratio's denominator) | target |
 * | --- | --- | --- |
 * | `vigil scan image <docker archive>` | `tar -xOf <archive> <layers> \| tar -ti`: reading the archive's own layers and listing every entry | ≤ 2× |
 * | `vigil scan image <oci layout>:bullseye` | `gzip -dc <layer> \| tar -t` for each layer: decompressing and listing them | ≤ 1.2× |
 * | `vigil scan fs <dir>` with a 200k-package package-lock.json (v3) | the same scan of an empty directory (peak RSS) | ≤ 1 KB of peak RSS per package |
 *
 * Ratios are given on CPU time (user + system, children included: the steady figure on a shared
 * machine; a round runs candidate and floor back to back) and on wall time, medians over the rounds,
 * and the range of the per-round ratio. Peak RSS is GNU time's %M: the largest process of the run
 * (the CLI or its isolated scan process).
 *
 *   node --import tsx bench/scan-archive.ts [--runs 5] [--only archive,oci,lockfile] [--packages 200000]
 * bench/scan.ts calls archiveFigures() and lockfileFigures() with its own vigil command line.
 * Needs .cache/targets (../shared/tools/build-targets.sh .cache/targets bullseye).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, TARGETS, VULNDATA } from '../test/helpers/prereq.ts';
import { machineLoad, summarize } from './measure.ts';

export interface Sample { ms: number; cpuMs: number; rssMiB: number }

/** One run as its own process: wall time, and from GNU time CPU (user + system, children included) and peak RSS. */
export function timed(argv: string[], timeFile: string, shell = false): Sample {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-o', timeFile, '-f', '%U %S %M', ...(shell ? ['bash', '-o', 'pipefail', '-c', argv.join(' ')] : argv)], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${(r.stderr ?? '').slice(-800)}`);
  const [user, sys, rssKiB] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
  return { ms, cpuMs: (user + sys) * 1000, rssMiB: rssKiB / 1024 };
}

export interface BenchContext {
  /** the vigil command line (node, entry, --home …) */
  vigil: string[];
  /** a scratch directory for reports and generated inputs */
  work: string;
  /** warm rounds (after one unmeasured run of each command) */
  runs: number;
}

interface Pair { what: string; cand: string[]; base: string[]; baseShell: boolean; target: number; c: Sample[]; b: Sample[] }

const verdict = (ratio: number, target: number): string => (ratio <= target ? 'met' : 'MISSED');

function printPair(p: Pair, empty: Sample[]): boolean {
  const med = (xs: Sample[], k: 'ms' | 'cpuMs') => summarize(xs.map((s) => s[k])).median;
  const line = (k: 'ms' | 'cpuMs') => {
    const ratio = med(p.c, k) / med(p.b, k);
    const per = summarize(p.c.map((s, i) => s[k] / p.b[i][k]));
    return { ratio, text: `${(med(p.c, k) / 1000).toFixed(3)} s / ${(med(p.b, k) / 1000).toFixed(3)} s = ${ratio.toFixed(2)}× (per round ${per.min.toFixed(2)}–${per.max.toFixed(2)}×)` };
  };
  const cpu = line('cpuMs');
  const wall = line('ms');
  console.log(`  ${p.what}  [target ≤ ${p.target}×]`);
  console.log(`    CPU  ${cpu.text}  ${verdict(cpu.ratio, p.target)}`);
  console.log(`    wall ${wall.text}  ${verdict(wall.ratio, p.target)}`);
  console.log(`    peak RSS vigil ${Math.max(...p.c.map((s) => s.rssMiB)).toFixed(0)} MiB`);
  if (empty.length) {
    // vigil's start-up (both processes, the database opened) is inside the candidate; the floor starts tar or gzip only
    const e = med(empty, 'cpuMs');
    const beyond = (med(p.c, 'cpuMs') - e) / med(p.b, 'cpuMs');
    console.log(`    beside: CPU beyond an empty-directory scan (${(e / 1000).toFixed(3)} s, vigil's start-up) ${((med(p.c, 'cpuMs') - e) / 1000).toFixed(3)} s = ${beyond.toFixed(2)}× the floor  ${verdict(beyond, p.target)}`);
  }
  return cpu.ratio <= p.target;
}

/** The blob paths of an image's layers in .cache/targets/oci. */
export function ociLayers(tag: string): string[] {
  const layout = join(TARGETS, 'oci');
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  const desc = index.manifests.find((m: { annotations?: Record<string, string> }) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  const manifest = JSON.parse(readFileSync(join(layout, 'blobs', 'sha256', desc.digest.slice(7)), 'utf8'));
  return manifest.layers.map((l: { digest: string }) => join(layout, 'blobs', 'sha256', l.digest.slice(7)));
}

/**
 * The docker archive against `tar -xOf | tar -ti` and the OCI layout against `gzip -dc | tar -t`
 * (bullseye), `runs` rounds each after one unmeasured run; prints CPU and wall ratios.
 * @returns per figure whether its CPU ratio met the target
 */
export function archiveFigures(ctx: BenchContext, which: { archive?: boolean; oci?: boolean } = { archive: true, oci: true }): Record<string, boolean> {
  const timeFile = join(ctx.work, 'time-archive.txt');
  const archive = join(TARGETS, 'bullseye.docker.tar');
  const layers: string[] = JSON.parse(execFileSync('tar', ['-xOf', archive, 'manifest.json'], { encoding: 'utf8' }))[0].Layers;
  const gz = ociLayers('bullseye');
  const scan = (ref: string, out: string) => [...ctx.vigil, 'scan', 'image', ref, '--offline', '-f', 'json', '-o', join(ctx.work, out)];
  const pairs: Pair[] = [];
  if (which.archive) {
    pairs.push({ what: 'docker archive: vigil scan image <bullseye.docker.tar> / tar -xOf <archive> <layers> | tar -ti', cand: scan(archive, 'archive.json'),
      base: ['tar', '-xOf', archive, ...layers, '|', 'tar', '-ti', '>', '/dev/null'], baseShell: true, target: 2, c: [], b: [] });
  }
  if (which.oci) {
    pairs.push({ what: 'OCI layout (gzip): vigil scan image <oci>:bullseye / gzip -dc <layer> | tar -t, each layer', cand: scan(`${join(TARGETS, 'oci')}:bullseye`, 'oci.json'),
      base: [gz.map((l) => `gzip -dc ${l} | tar -t > /dev/null`).join(' && ')], baseShell: true, target: 1.2, c: [], b: [] });
  }
  const emptyDir = join(ctx.work, 'archive-empty');
  mkdirSync(emptyDir, { recursive: true });
  const emptyScan = [...ctx.vigil, 'scan', 'fs', emptyDir, '--offline', '-f', 'json', '-o', join(ctx.work, 'archive-empty.json')];
  const empty: Sample[] = [];
  for (const p of pairs) {
    timed(p.cand, timeFile);
    timed(p.base, timeFile, p.baseShell);
  }
  for (let r = 0; r < ctx.runs; r++) {
    empty.push(timed(emptyScan, timeFile));
    for (const p of pairs) {
      // the first of the pair alternates, so neither always runs first
      if (r % 2 === 0) {
        p.c.push(timed(p.cand, timeFile));
        p.b.push(timed(p.base, timeFile, p.baseShell));
      } else {
        p.b.push(timed(p.base, timeFile, p.baseShell));
        p.c.push(timed(p.cand, timeFile));
      }
    }
  }
  const out: Record<string, boolean> = {};
  for (const [i, p] of pairs.entries()) {
    const pkgs = JSON.parse(readFileSync(p.cand.at(-1)!, 'utf8')).packages.length;
    console.log(`  (${pkgs} packages)`);
    out[i === 0 && which.archive ? 'archive' : 'oci'] = printPair(p, empty);
  }
  return out;
}

/** A small deterministic generator (mulberry32), so that every run writes the same lockfile. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = ['ar', 'be', 'co', 'da', 'el', 'fu', 'ga', 'hi', 'io', 'ju', 'ka', 'lo', 'mi', 'no', 'pa', 'qu', 're', 'si', 'to', 'un', 'va', 'we', 'xy', 'zo'];
const WORDS = ['parser', 'utils', 'core', 'plugin', 'loader', 'config', 'stream', 'types', 'helper', 'cli', 'runtime', 'compat', 'polyfill', 'babel', 'eslint', 'webpack', 'react', 'node', 'fs', 'http'];

/**
 * Writes `<dir>/package-lock.json` (lockfileVersion 3) with `count` installed packages: names drawn
 * from a pool of about count/3 (scoped and unscoped, npm-like), each installed at the top level
 * and again nested under other packages at other versions, with resolved URLs, sha512 integrity,
 * licenses, dependency maps and dev flags as npm writes them.
 * @returns the number of distinct (name, version) pairs
 */
export function writeLockfile(dir: string, count: number): number {
  const rand = rng(20);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const names: string[] = [];
  const taken = new Set<string>();
  const pool = Math.max(1, Math.ceil(count / 3));
  while (names.length < pool) {
    const stem = `${pick(SYLLABLES)}${pick(SYLLABLES)}${rand() < 0.5 ? pick(SYLLABLES) : ''}`;
    const n = rand() < 0.2 ? `@${pick(SYLLABLES)}${pick(SYLLABLES)}/${stem}-${pick(WORDS)}` : rand() < 0.5 ? `${stem}-${pick(WORDS)}` : `${stem}${names.length}`;
    if (!taken.has(n)) {
      taken.add(n);
      names.push(n);
    }
  }
  const version = () => `${Math.floor(rand() * 12)}.${Math.floor(rand() * 30)}.${Math.floor(rand() * 20)}`;
  const packages: Record<string, unknown> = { '': { name: 'bench-app', version: '1.0.0', license: 'MIT', dependencies: Object.fromEntries(names.slice(0, 50).map((n) => [n, '*'])) } };
  const pairs = new Set<string>();
  let i = 0;
  const top: string[] = [];
  for (const n of names) {
    if (i >= count) break;
    top.push(n);
    add(`node_modules/${n}`, n);
  }
  while (i < count) {
    const parent = pick(top);
    const n = pick(names);
    add(`node_modules/${parent}/node_modules/${n}`, n);
  }
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: 'bench-app', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2));
  return pairs.size;

  function add(key: string, name: string): void {
    if (key in packages) return;
    const v = version();
    const local = name.slice(name.lastIndexOf('/') + 1);
    const deps = rand() < 0.6 ? Object.fromEntries(Array.from({ length: 1 + Math.floor(rand() * 4) }, () => [pick(names), `^${version()}`])) : undefined;
    packages[key] = {
      version: v,
      resolved: `https://registry.npmjs.org/${name}/-/${local}-${v}.tgz`,
      integrity: `sha512-${createHash('sha512').update(`${key}@${v}`).digest('base64')}`,
      ...(rand() < 0.3 ? { dev: true } : {}),
      license: pick(['MIT', 'ISC', 'Apache-2.0', 'BSD-3-Clause', 'BSD-2-Clause']),
      ...(deps ? { dependencies: deps } : {}),
      ...(rand() < 0.1 ? { engines: { node: '>=14' } } : {}),
    };
    pairs.add(`${name}@${v}`);
    i++;
  }
}

/**
 * Peak RSS of `vigil scan fs` over a directory holding a `packages`-package package-lock.json,
 * less the same scan of an empty directory, per package; `runs` rounds, medians.
 */
export function lockfileFigures(ctx: BenchContext, packages = 200_000): boolean {
  const timeFile = join(ctx.work, 'time-lock.txt');
  const dir = join(ctx.work, 'lockfile-project');
  const empty = join(ctx.work, 'lockfile-empty');
  mkdirSync(dir, { recursive: true });
  mkdirSync(empty, { recursive: true });
  const distinct = writeLockfile(dir, packages);
  const out = join(ctx.work, 'lockfile.json');
  const scan = (d: string, o: string) => [...ctx.vigil, 'scan', 'fs', d, '--offline', '-f', 'json', '-o', o];
  const c: Sample[] = [];
  const e: Sample[] = [];
  for (let r = 0; r < ctx.runs; r++) {
    e.push(timed(scan(empty, join(ctx.work, 'lockfile-empty.json')), timeFile));
    c.push(timed(scan(dir, out), timeFile));
  }
  const report = JSON.parse(readFileSync(out, 'utf8'));
  const rss = summarize(c.map((s) => s.rssMiB)).median;
  const base = summarize(e.map((s) => s.rssMiB)).median;
  const perPkg = ((rss - base) * 1048576) / packages;
  const cpu = summarize(c.map((s) => s.cpuMs)).median;
  const wall = summarize(c.map((s) => s.ms)).median;
  console.log(`  lockfile: vigil scan fs <dir with a ${packages}-package package-lock.json v3 (${(readFileSync(join(dir, 'package-lock.json')).length / 1048576).toFixed(0)} MiB, ${distinct} distinct name@version)>  [target ≤ 1 KB peak RSS per package]`);
  console.log(`    reported ${report.packages.length} packages, ${report.findings.length} findings; CPU ${(cpu / 1000).toFixed(2)} s, wall ${(wall / 1000).toFixed(2)} s (medians of ${ctx.runs})`);
  console.log(`    peak RSS ${rss.toFixed(0)} MiB (runs ${c.map((s) => s.rssMiB.toFixed(0)).join(', ')}) − empty dir ${base.toFixed(0)} MiB = ${(rss - base).toFixed(0)} MiB = ${(perPkg / 1024).toFixed(2)} KB per package  ${verdict(perPkg, 1024)}`);
  return perPkg <= 1024;
}

/** Builds the bundle and imports the advisory data into a fresh home; returns the vigil command line. */
export function prepareVigil(work: string): string[] {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--cli-only'], { stdio: 'inherit' });
  const runner = join(work, 'vigil.mjs');
  writeFileSync(runner, `const { main } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'vigil.mjs')).href)});\nawait main();\n`);
  const vigil = [process.execPath, runner, '--home', join(work, 'home')];
  execFileSync(vigil[0], [...vigil.slice(1), 'db', 'import', VULNDATA, '-q'], { stdio: 'inherit' });
  return vigil;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const opt = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
  const runs = Number(opt('--runs', process.env.BENCH_RUNS ?? '5'));
  const only = new Set(opt('--only', 'archive,oci,lockfile').split(','));
  const work = mkdtempSync(join(tmpdir(), 'vigil-bench-archive-'));
  try {
    const needTargets = only.has('archive') || only.has('oci');
    if (needTargets && !existsSync(join(TARGETS, 'bullseye.docker.tar'))) {
      console.error('bench/scan-archive needs .cache/targets: run ../shared/tools/build-targets.sh .cache/targets bullseye');
      process.exit(2);
    }
    const vigil = prepareVigil(work);
    console.log(`(${runs} rounds; ${machineLoad()})`);
    if (needTargets) archiveFigures({ vigil, work, runs }, { archive: only.has('archive'), oci: only.has('oci') });
    if (only.has('lockfile')) lockfileFigures({ vigil, work, runs }, Number(opt('--packages', '200000')));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
