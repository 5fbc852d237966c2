/**
 * `vigil cis` as a user meets it (issue 18), through bin/vigil.js on a copy of the real bookworm
 * root filesystem: the benchmark chosen by os-release, JSON ({benchmark, profile, target, checks,
 * counts}), table and CSV, --level, -o, --exit-code, and the usage errors (exit 2): an unknown
 * --format, --level or --benchmark, a system no benchmark is for (the message lists the benchmarks).
 * No vulnerability database is ever opened.
 */
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'vigil.js');
const PRISTINE = join(ROOT, '.cache', 'targets', 'rootfs-bookworm');

describe('vigil cis', { skip: !existsSync(join(PRISTINE, 'etc', 'os-release')) && 'no .cache/targets/rootfs-bookworm' }, () => {
  let dir: string;
  let rootfs: string;
  let home: string;
  const vigil = (...args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, VIGIL_LOG_LEVEL: '', VIGIL_HOME: home, VIGIL_DATABASE_URL: `sqlite:${join(home, 'never-created.db')}`, NO_COLOR: '1' } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-cis-cli-'));
    home = join(dir, 'home');
    mkdirSync(home);
    rootfs = join(dir, 'rootfs');
    execFileSync('cp', ['-a', PRISTINE, rootfs]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('JSON: the benchmark by os-release, the Level 1 profile by default, every check with id, title, level, status and evidence; counts', () => {
    const r = vigil('cis', 'rootfs', rootfs, '--format', 'json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(out), ['benchmark', 'profile', 'target', 'checks', 'counts']);
    assert.equal(out.benchmark.id, 'debian-12');
    assert.deepEqual(out.profile, { id: 'level1-server', title: 'Level 1 - Server', level: 1 });
    assert.deepEqual(out.target, { kind: 'rootfs', ref: rootfs });
    assert.ok(out.checks.length > 200);
    for (const c of out.checks) {
      assert.deepEqual(Object.keys(c).slice(0, 5), ['id', 'title', 'level', 'status', 'evidence']);
      assert.equal(c.level, 1);
      assert.ok(['PASS', 'FAIL', 'NOT_APPLICABLE', 'ERROR', 'MANUAL'].includes(c.status));
      assert.ok(c.evidence.length > 0 && c.evidence.every((e: { message: string }) => typeof e.message === 'string'));
    }
    const total = Object.values(out.counts as Record<string, number>).reduce((a, b) => a + b, 0);
    assert.equal(total, out.checks.length);
    assert.equal(out.counts.ERROR, 0);
    const defs = out.checks.find((c: { id: string }) => c.id === '5.4.1.1');
    assert.deepEqual(defs.evidence[0], { path: '/etc/login.defs', line: defs.evidence[0].line, found: '99999', expected: '<= 365', message: 'PASS_MAX_DAYS is 99999' });
    assert.ok(!existsSync(join(home, 'never-created.db')), 'no database');

    const l2 = JSON.parse(vigil('cis', 'rootfs', rootfs, '--format', 'json', '--level', '2').stdout);
    assert.equal(l2.profile.level, 2);
    assert.ok(l2.checks.length > out.checks.length);
    assert.ok(l2.checks.some((c: { level: number }) => c.level === 2));
  });

  test('table and CSV; -o writes the report to a file', () => {
    const t = vigil('cis', 'rootfs', rootfs);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /^CIS Debian Linux 12 Benchmark.* 1\.1\.0 — Level 1 - Server — rootfs /);
    assert.match(t.stdout, /\nID\s+LEVEL\s+STATUS\s+TITLE\s+EVIDENCE\n/);
    assert.match(t.stdout, /\n5\.4\.1\.1\s+1\s+FAIL\s+Ensure passwords expire within 365 days\s+\/etc\/login\.defs:\d+: PASS_MAX_DAYS is 99999\n/);
    assert.match(t.stdout, /\n\d+ checks: PASS \d+, FAIL \d+, NOT_APPLICABLE \d+, ERROR 0, MANUAL \d+\n$/);

    const c = vigil('cis', 'rootfs', rootfs, '--format', 'csv');
    assert.equal(c.code, 0, c.stderr);
    const lines = c.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'benchmark,profile,id,level,status,title,path,line,found,expected,message');
    assert.ok(lines.some((l) => /^debian-12,level1-server,5\.4\.1\.1,1,FAIL,Ensure passwords expire within 365 days,\/etc\/login\.defs,\d+,99999,<= 365,PASS_MAX_DAYS is 99999$/.test(l)));
    // a cell with a comma is quoted
    assert.ok(lines.some((l) => l.includes('"')), 'quoted cells');

    const file = join(dir, 'report.json');
    const o = vigil('cis', 'rootfs', rootfs, '-f', 'json', '-o', file);
    assert.equal(o.code, 0);
    assert.equal(o.stdout, '');
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).benchmark.id, 'debian-12');
  });

  test('--exit-code N when a check fails; 0 without it', () => {
    assert.equal(vigil('cis', 'rootfs', rootfs, '-f', 'json', '--exit-code', '5').code, 5);
    assert.equal(vigil('cis', 'rootfs', rootfs, '-f', 'json').code, 0);
  });

  test('usage errors exit 2: a format, a level, a benchmark, a system without a benchmark', () => {
    const f = vigil('cis', 'rootfs', rootfs, '--format', 'sarif');
    assert.equal(f.code, 2);
    assert.match(f.stderr, /--format "sarif": must be one of table, json, csv/);
    const l = vigil('cis', 'rootfs', rootfs, '--level', '3');
    assert.equal(l.code, 2);
    assert.match(l.stderr, /--level "3": must be 1 or 2/);
    const b = vigil('cis', 'rootfs', rootfs, '--benchmark', 'windows-11');
    assert.equal(b.code, 2);
    assert.match(b.stderr, /no CIS benchmark "windows-11"; there are: .*debian-12/);

    const other = join(dir, 'other');
    mkdirSync(join(other, 'etc'), { recursive: true });
    writeFileSync(join(other, 'etc', 'os-release'), 'ID=alpine\nVERSION_ID=3.20.0\n');
    const n = vigil('cis', 'rootfs', other, '-f', 'json');
    assert.equal(n.code, 2);
    assert.match(n.stderr, /no CIS benchmark for alpine 3\.20\.0; name one with --benchmark: .*debian-12 \(debian 12\)/);
    assert.equal(n.stdout, '');
    // named, it runs (and says what it could not read)
    const forced = vigil('cis', 'rootfs', other, '-f', 'json', '--benchmark', 'debian-12');
    assert.equal(forced.code, 0, forced.stderr);
    assert.ok(JSON.parse(forced.stdout).counts.ERROR > 0, 'no passwd, no package database: ERROR checks');

    const missing = vigil('cis', 'rootfs', join(dir, 'nope'));
    assert.equal(missing.code, 4);
  });

  test('the bundle (scripts/build.mjs) carries the benchmark files and finds them beside itself', () => {
    mkdirSync(join(ROOT, 'tmp'), { recursive: true });
    const out = mkdtempSync(join(ROOT, 'tmp', 'vigil-cis-build-'));
    try {
      execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--outdir', out, '--cli-only'], { stdio: 'pipe' });
      assert.ok(existsSync(join(out, 'cis-benchmarks', 'debian-12.yaml')));
      const script = `const m = await import(${JSON.stringify(join(out, 'vigil.mjs'))}); await m.main(['node', 'vigil', 'cis', 'rootfs', ${JSON.stringify(rootfs)}, '-f', 'json']);`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, VIGIL_HOME: home } });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).benchmark.id, 'debian-12');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  test('host with a root directory: the files only (the running state is read for / alone)', () => {
    const r = vigil('cis', 'host', rootfs, '-f', 'json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.target, { kind: 'host', ref: rootfs });
    assert.equal(out.checks.find((c: { id: string }) => c.id === '6.1.1.1').status, 'NOT_APPLICABLE');
  });
});
