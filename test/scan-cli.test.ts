/**
 * `vigil scan fs|zip|repo|sbom` through the CLI on small real inputs: a project directory, a
 * function package zip with a layer, a git repository at a ref. Needs only ../shared/vulndata.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HOW, needs, ROOT, VULNDATA } from './helpers/prereq.ts';
import { makeZip } from './helpers/zip.ts';

const BIN = join(ROOT, 'bin', 'vigil.js');

const LOCK = JSON.stringify({
  name: 'demo', lockfileVersion: 3, requires: true,
  packages: { '': { name: 'demo', dependencies: { lodash: '4.17.4' } }, 'node_modules/lodash': { version: '4.17.4', resolved: 'https://registry.npmjs.org/lodash/-/lodash-4.17.4.tgz' } },
});

describe('vigil scan fs, zip, repo', { skip: needs('../shared/vulndata', existsSync(VULNDATA), HOW.vulndata) }, () => {
  let dir = '';
  const vigil = (args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, '--home', join(dir, 'home'), ...args], { encoding: 'utf8', env: { ...process.env, VIGIL_DATABASE_URL: '' } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const findings = (args: string[]) => {
    const r = vigil([...args, '--offline', '-f', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { target: { kind: string; digest?: string }; packages: { name: string; version: string; locations?: string[] }[]; findings: { vulnerability: string; packageIndex: number }[]; errors: { path: string; rule: string }[] };
    return { ...j, keys: [...new Set(j.findings.map((f) => `${j.packages[f.packageIndex].name}@${j.packages[f.packageIndex].version} ${f.vulnerability}`))].sort() };
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-scan-cli-'));
    const r = vigil(['db', 'import', '-q', join(VULNDATA, 'PyPI'), join(VULNDATA, 'native', 'nodejs-security-wg')]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('fs: a lockfile and its node_modules are one package with both files (issue 20); two projects are two', () => {
    // src/inventory/testdata/two-projects: real `npm install` output (manifests kept), app and other both lock lodash 4.17.4
    const projects = join(ROOT, 'src', 'inventory', 'testdata', 'two-projects');
    const r = findings(['scan', 'fs', projects]);
    const npm = r.packages.filter((p) => (p as { ecosystem?: string }).ecosystem === 'npm');
    assert.equal(npm.length, 27, 'app locks 26 packages, other 1: each once');
    assert.deepEqual(npm.filter((p) => p.name === 'lodash').map((p) => p.locations), [
      ['app/node_modules/lodash/package.json', 'app/package-lock.json'],
      ['other/node_modules/lodash/package.json', 'other/package-lock.json'],
    ]);
    // one finding per package and vulnerability: lodash's two (CVE-2018-16487, CVE-2018-3721) in each project, once each
    const lodash = r.findings.filter((f) => r.packages[f.packageIndex].name === 'lodash').map((f) => `${r.packages[f.packageIndex].locations![1]} ${f.vulnerability}`).sort();
    assert.deepEqual(lodash, ['app/package-lock.json CVE-2018-16487', 'app/package-lock.json CVE-2018-3721', 'other/package-lock.json CVE-2018-16487', 'other/package-lock.json CVE-2018-3721']);
    // SARIF names every file of the package; the table groups it under its lockfile
    const sarif = JSON.parse(vigil(['scan', 'fs', projects, '--offline', '-f', 'sarif']).stdout) as { runs: { results: { message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] };
    const uris = sarif.runs[0].results.filter((x) => x.message.text.includes('lodash')).map((x) => x.locations.map((l) => l.physicalLocation.artifactLocation.uri).sort().join(' '));
    assert.ok(uris.includes('app/node_modules/lodash/package.json app/package-lock.json'), JSON.stringify(uris));
    const table = vigil(['scan', 'fs', projects, '--offline', '-f', 'table']).stdout;
    assert.match(table, /^app\/package-lock\.json \(npm\)$/m);
    assert.doesNotMatch(table, /node_modules\/lodash\/package\.json \(npm\)/);
  });

  test('fs: lockfiles in a directory; an unparseable one is a per-file error, not a failed scan', () => {
    const proj = join(dir, 'proj');
    mkdirSync(proj);
    writeFileSync(join(proj, 'package-lock.json'), LOCK);
    writeFileSync(join(proj, 'requirements.txt'), 'Django==2.2.0\nrequests>=2\n');
    mkdirSync(join(proj, 'broken'));
    writeFileSync(join(proj, 'broken', 'package-lock.json'), '{"lockfileVersion": 3, "packages": ');
    const r = findings(['scan', 'fs', proj]);
    assert.ok(r.keys.includes('lodash@4.17.4 CVE-2018-16487'));
    assert.ok(r.keys.some((k) => k.startsWith('Django@2.2.0 CVE-')));
    assert.ok(r.errors.some((e) => e.path.includes('broken/package-lock.json')), JSON.stringify(r.errors));
    assert.ok(r.errors.some((e) => e.rule === 'unpinned-requirement'));
  });

  test('zip: a function package with a layer under /opt', () => {
    const fn = join(dir, 'function.zip');
    writeFileSync(fn, makeZip([{ name: 'handler.py', data: 'def handler(e, c): pass\n' }, { name: 'requirements.txt', data: 'Django==2.2.0\n' }]));
    const layer = join(dir, 'layer.zip');
    writeFileSync(layer, makeZip([{ name: 'nodejs/package-lock.json', data: LOCK }]));
    const r = findings(['scan', 'zip', fn, '--layer', layer]);
    assert.equal(r.target.kind, 'zip');
    assert.ok(r.keys.some((k) => k.startsWith('Django@2.2.0 CVE-')));
    const lodash = r.packages.find((p) => p.name === 'lodash');
    assert.ok(lodash?.locations?.[0].startsWith('opt/'), JSON.stringify(lodash));
  });

  test('repo: a git repository at a ref, not its working tree', () => {
    const repo = join(dir, 'repo');
    mkdirSync(repo);
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.email=t@example.org', '-c', 'user.name=t', ...args], { encoding: 'utf8' });
    git('init', '-q', '-b', 'main');
    writeFileSync(join(repo, 'package-lock.json'), LOCK);
    git('add', '.');
    git('commit', '-q', '-m', 'old lodash');
    git('tag', 'v1');
    writeFileSync(join(repo, 'package-lock.json'), LOCK.replaceAll('4.17.4', '4.17.21'));
    git('commit', '-q', '-am', 'new lodash');
    const old = findings(['scan', 'repo', repo, '--ref', 'v1']);
    assert.equal(old.target.kind, 'git');
    assert.match(String(old.target.digest), /^[0-9a-f]{40}$/);
    assert.ok(old.keys.includes('lodash@4.17.4 CVE-2018-16487'));
    const head = findings(['scan', 'repo', repo]);
    assert.ok(head.packages.some((p) => p.name === 'lodash' && p.version === '4.17.21'));
    assert.ok(!head.keys.some((k) => k.startsWith('lodash@')));
  });

  test('a scan stopped at --scan-memory or --scan-timeout is a limit error, and leaves no scratch directory behind (thread and process)', () => {
    // a repository is cloned into the scan's scratch directory; its 600k-package lockfile outgrows 128 MiB
    const repo = join(dir, 'big-repo');
    mkdirSync(repo);
    const parts = ['{"name":"big","version":"1.0.0","lockfileVersion":3,"packages":{"":{"name":"big","version":"1.0.0"}'];
    for (let i = 0; i < 600_000; i++) parts.push(`,"node_modules/p${i}":{"version":"1.0.0"}`);
    parts.push('}}');
    writeFileSync(join(repo, 'package-lock.json'), parts.join(''));
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.email=t@example.org', '-c', 'user.name=t', ...args], { encoding: 'utf8' });
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-q', '-m', 'big');
    // stopped by V8's heap limit or the resident-memory sampler (--scan-memory), and by the wall time (--scan-timeout)
    for (const [isolation, cap, message] of [
      ['thread', ['--scan-memory', '128'], /scan (used more than 128 MiB|ran out of its 96 MiB JavaScript heap)/],
      ['process', ['--scan-memory', '128'], /scan (used more than 128 MiB|ran out of its 96 MiB JavaScript heap)/],
      ['thread', ['--scan-timeout', '2'], /ran longer than 2 s/],
      ['process', ['--scan-timeout', '2'], /ran longer than 2 s/],
    ] as const) {
      const tmp = mkdtempSync(join(dir, `tmp-${isolation}-`));
      const r = spawnSync(process.execPath, [BIN, '--home', join(dir, 'home'), 'scan', 'repo', repo, '--offline', ...cap], {
        encoding: 'utf8', env: { ...process.env, VIGIL_DATABASE_URL: '', VIGIL_SCAN_ISOLATION: isolation, TMPDIR: tmp },
      });
      assert.notEqual(r.status, 0, isolation);
      assert.match(r.stderr, message, `${isolation} ${cap[0]}: ${r.stderr}`);
      assert.deepEqual(readdirSync(tmp).filter((n) => n.startsWith('vigil-')), [], `${isolation} ${cap[0]}: the clone's scratch directory is removed`);
    }
  });

  test('a missing target is a clear error with exit code 1', () => {
    const r = vigil(['scan', 'fs', join(dir, 'nope'), '--offline']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /nope/);
  });
});
