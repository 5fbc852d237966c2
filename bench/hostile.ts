/**
 * Peak memory of hostile archives (issue 13), each collected by `vigil sbom` in a child process
 * measured with /usr/bin/time (no database needed; collecting is where the memory went):
 *  - names:   a tar.gz of N entries with 3,000-character names (default 1.5M, the issue's 34 MB file)
 *  - overlap: a JAR whose central directory points C entries (default 400) at one stored 8 MB jar
 *  - bomb:    a 2 GiB zero file first in a layer, then a package-lock.json (is lodash still found?)
 *  - zstd:    the same bomb as a zstd layer of RLE blocks (2 GiB of zeros in 64 KB)
 *  - nested:  a jar nested 50 deep
 *  - bigjar:  a 250 MB jar holding one stored 240 MB jar (the largest a Java archive holds in memory; only with --only bigjar)
 * Prints exit code, peak RSS, seconds and the per-file errors' rules for each. Figures only.
 *
 *   node --import tsx bench/hostile.ts [--names 1500000] [--copies 400] [--only names,overlap] [--bin path/to/bin/vigil.js]
 */
import { randomBytes } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { makeTar } from '../src/sources/testutil.ts';
import { nestedJar, overlappingJar, pomProperties, tarHeader, writeNameBomb, zeroFirstLayer, zstdFrame } from '../test/helpers/hostile.ts';
import { makeZip } from '../test/helpers/zip.ts';

const { values } = parseArgs({ options: { names: { type: 'string', default: '1500000' }, copies: { type: 'string', default: '400' }, only: { type: 'string' }, bin: { type: 'string' } } });
const BIN = resolve(values.bin ?? join(import.meta.dirname, '..', 'bin', 'vigil.js'));
const only = values.only ? new Set(values.only.split(',')) : null;
const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-hostile-'));
const LOCK = JSON.stringify({ name: 'demo', lockfileVersion: 3, packages: { '': { name: 'demo' }, 'node_modules/lodash': { version: '4.17.4' } } });

function run(name: string, target: string, kind: string): void {
  const t0 = Date.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'maxrss-kb=%M', process.execPath, BIN, '--home', join(dir, 'home'), 'sbom', '--kind', kind, target], { encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, VIGIL_DATABASE_URL: '' } });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  const rss = Number(/maxrss-kb=(\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024;
  let summary = '';
  try {
    const bom = JSON.parse(r.stdout) as { components?: { name: string }[] };
    summary = `components ${bom.components?.length ?? 0}${bom.components?.some((c) => c.name === 'lodash') ? ' (lodash found)' : ''}`;
  } catch {
    summary = `stderr: ${r.stderr.split('\n').filter((l) => l && !l.startsWith('maxrss')).slice(-2).join(' | ').slice(0, 300)}`;
  }
  const partial = /vigil: partial: (.*)/.exec(r.stderr)?.[1];
  console.log(`${name.padEnd(8)} exit ${String(r.status ?? r.signal).padEnd(4)} peak RSS ${rss.toFixed(0).padStart(5)} MiB  ${secs.padStart(6)} s  ${summary}${partial ? `; partial: ${partial}` : ''}`);
}

// bin/vigil.js runs the bundle only when it is newer than every source file, else the sources
// through tsx, whose loader adds ~60 MiB to a peak: the bundle is built first (as bench/scan.ts does)
if (!values.bin) execFileSync(process.execPath, [join(import.meta.dirname, '..', 'scripts', 'build.mjs'), '--cli-only'], { stdio: 'inherit' });

try {
  console.log(`vigil: ${BIN}`);
  if (!only || only.has('names')) {
    const p = join(dir, 'names.tar.gz');
    const n = Number(values.names);
    const bytes = await writeNameBomb(p, n, 3000);
    console.log(`names: ${n} entries of 3,000 characters, ${(bytes / 1048576).toFixed(1)} MB tar.gz`);
    run('names', p, 'image');
  }
  if (!only || only.has('overlap')) {
    const proj = join(dir, 'overlap');
    mkdirSync(proj);
    const inner = makeZip([pomProperties('org.example', 'inner', '2.0'), { name: 'pad.bin', data: randomBytes(8 * 1024 * 1024), store: true }]);
    writeFileSync(join(proj, 'app.jar'), overlappingJar(inner, Number(values.copies)));
    console.log(`overlap: ${values.copies} entries on one stored jar, ${(statSync(join(proj, 'app.jar')).size / 1048576).toFixed(1)} MB`);
    run('overlap', proj, 'dir');
  }
  if (!only || only.has('bomb')) {
    const p = join(dir, 'bomb.tar.gz');
    writeFileSync(p, zeroFirstLayer('big', 2 * 1024 * 1024 * 1024, await makeTar([{ name: 'app/package-lock.json', content: LOCK }])));
    console.log(`bomb: 2 GiB of zeros, then app/package-lock.json, ${(statSync(p).size / 1048576).toFixed(1)} MB tar.gz`);
    run('bomb', p, 'image');
  }
  if (!only || only.has('zstd')) {
    const p = join(dir, 'bomb.tar.zst');
    const size = 2 * 1024 * 1024 * 1024;
    writeFileSync(p, zstdFrame([tarHeader('big', size), { zeros: size }, await makeTar([{ name: 'app/package-lock.json', content: LOCK }])]));
    console.log(`zstd: 2 GiB of zeros, then app/package-lock.json, ${(statSync(p).size / 1024).toFixed(0)} KB tar.zst`);
    run('zstd', p, 'image');
  }
  if (!only || only.has('nested')) {
    const proj = join(dir, 'nested');
    mkdirSync(proj);
    writeFileSync(join(proj, 'deep.jar'), nestedJar(50, pomProperties('org.example', 'deep', '1.0')));
    run('nested', proj, 'dir');
  }
  if (only?.has('bigjar')) {
    const proj = join(dir, 'bigjar');
    mkdirSync(proj);
    const inner = makeZip([pomProperties('org.example', 'inner', '1.0'), { name: 'pad.bin', data: randomBytes(240 * 1024 * 1024), store: true }]);
    writeFileSync(join(proj, 'big.jar'), makeZip([{ name: 'lib/inner.jar', data: inner, store: true }, { name: 'pad2.bin', data: randomBytes(10 * 1024 * 1024), store: true }]));
    run('bigjar', proj, 'dir');
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
