/**
 * Hostile archives through the CLI (issue 13): a 2 GiB zero file first in a layer must not hide
 * the lockfile after it, a tar.gz of long names must not exhaust memory, a JAR whose entries all
 * point at one stored entry is read once, jars nested too deep are recorded — and every such scan
 * says it is partial (`--fail-on-partial` exits 3). Each child's peak RSS is printed as a diagnostic
 * (measured with /usr/bin/time when present; never asserted).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { makeTar } from '../src/sources/testutil.ts';
import { nestedJar, overlappingJar, pomProperties, writeNameBomb, zeroFirstLayer } from './helpers/hostile.ts';
import { makeZip } from './helpers/zip.ts';

const ROOT = resolve(import.meta.dirname, '..');
const VULNDATA = resolve(ROOT, '..', 'shared', 'vulndata');
const BIN = join(ROOT, 'bin', 'vigil.js');
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

const LOCK = JSON.stringify({
  name: 'demo', lockfileVersion: 3, requires: true,
  packages: { '': { name: 'demo', dependencies: { lodash: '4.17.4' } }, 'node_modules/lodash': { version: '4.17.4' } },
});

interface Report {
  packages: { name: string; version: string }[];
  findings: { vulnerability: string; packageIndex: number }[];
  errors: { path: string; rule: string; count?: number }[];
  partial?: { skipped: number; rules: Record<string, number> };
}

describe('hostile archives through the CLI', { skip: !existsSync(VULNDATA) && 'needs ../shared/vulndata' }, () => {
  let dir = '';
  const vigil = (t: TestContext, args: string[]) => {
    const cmd = [BIN, '--home', join(dir, 'home'), ...args];
    const r = TIME
      ? spawnSync(TIME, ['-f', 'vigil-maxrss-kb=%M', process.execPath, ...cmd], { encoding: 'utf8', env: { ...process.env, VIGIL_DATABASE_URL: '' } })
      : spawnSync(process.execPath, cmd, { encoding: 'utf8', env: { ...process.env, VIGIL_DATABASE_URL: '' } });
    const rss = /vigil-maxrss-kb=(\d+)/.exec(r.stderr);
    if (rss) t.diagnostic(`peak RSS of \`vigil ${args.slice(0, 2).join(' ')}\`: ${Math.round(Number(rss[1]) / 1024)} MiB`);
    return { code: r.status, stdout: r.stdout, stderr: r.stderr.replace(/vigil-maxrss-kb=\d+\n?/, '') };
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-archive-limits-'));
    const r = spawnSync(process.execPath, [BIN, '--home', join(dir, 'home'), 'db', 'import', '-q', join(VULNDATA, 'native', 'nodejs-security-wg')], { encoding: 'utf8', env: { ...process.env, VIGIL_DATABASE_URL: '' } });
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a 2 GiB zero file first in a layer is skipped and recorded; the lockfile after it is still found', async (t) => {
    const after = await makeTar([{ name: 'app/package-lock.json', content: LOCK }]);
    const image = join(dir, 'bomb-first.tar.gz');
    writeFileSync(image, zeroFirstLayer('big', 2 * 1024 * 1024 * 1024, after));
    const json = vigil(t, ['scan', 'image', image, '--offline', '-f', 'json', '--exit-code', '1']);
    assert.equal(json.code, 1, `findings gate the exit code: ${json.stderr}`);
    const r = JSON.parse(json.stdout) as Report;
    assert.ok(r.findings.some((f) => r.packages[f.packageIndex].name === 'lodash'), 'the vulnerable lodash after the bomb is found');
    assert.deepEqual(r.errors.map((e) => [e.rule, e.path.replace(/sha256:[0-9a-f]+/, 'D').replace(/layer \S+!/, 'layer X!')]), [['decompression-bomb', 'layer X!big']]);
    assert.deepEqual(r.partial && { skipped: r.partial.skipped, rules: r.partial.rules }, { skipped: 1, rules: { 'decompression-bomb': 1 } });
    assert.match(json.stderr, /partial scan: 1 file skipped \(decompression-bomb: layer .*!big\)/);

    const table = vigil(t, ['scan', 'image', image, '--offline', '--fail-on-partial', '--severity', 'NONE']);
    assert.equal(table.code, 3, `no finding left after --severity, so --fail-on-partial decides: ${table.stderr}`);
    assert.match(table.stdout, /partial scan: 1 file skipped \(decompression-bomb: layer .*!big\)/);
    assert.match(table.stdout, /No vulnerabilities found in what was read\./);
  });

  test('a tar.gz of many 3,000-character names stops at the name budget, recorded', async (t) => {
    const image = join(dir, 'names.tar.gz');
    // 50,000 names of 3,000 characters: 150 MB of names, over the 128 MiB default budget
    await writeNameBomb(image, 50_000, 3000);
    const r = vigil(t, ['scan', 'image', image, '--offline', '-f', 'json', '--fail-on-partial']);
    assert.equal(r.code, 3, r.stderr);
    const j = JSON.parse(r.stdout) as Report;
    assert.deepEqual(j.errors.map((e) => e.rule), ['too-many-name-bytes']);
    assert.deepEqual(j.partial?.rules, { 'too-many-name-bytes': 1 });
  });

  test('a JAR pointing 200 entries at one stored 8 MB jar reads it once; jars nested too deep are recorded', (t) => {
    const proj = join(dir, 'jars');
    mkdirSync(proj);
    const inner = makeZip([pomProperties('org.example', 'inner', '2.0'), { name: 'pad.bin', data: randomBytes(8 * 1024 * 1024), store: true }]);
    writeFileSync(join(proj, 'overlap.jar'), overlappingJar(inner, 200, [pomProperties('org.example', 'app', '1.0')]));
    writeFileSync(join(proj, 'deep.jar'), nestedJar(6, pomProperties('org.example', 'deep', '3.0')));
    writeFileSync(join(proj, 'package-lock.json'), LOCK);
    const r = vigil(t, ['scan', 'fs', proj, '--offline', '-f', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as Report;
    assert.deepEqual(j.packages.filter((p) => p.name.startsWith('org.example')).map((p) => p.name).sort(), ['org.example:app', 'org.example:inner']);
    assert.deepEqual(j.errors.map((e) => [e.rule, e.path, e.count]).sort(), [
      ['nesting-too-deep', 'deep.jar!/lib/level-6.jar!/lib/level-5.jar!/lib/level-4.jar!/lib/level-3.jar', 1],
      ['overlapping-entries', 'overlap.jar', 199],
    ]);
    assert.deepEqual(j.partial?.rules, { 'nesting-too-deep': 1, 'overlapping-entries': 199 });
    assert.ok(j.findings.some((f) => j.packages[f.packageIndex].name === 'lodash'));
  });
});
