/**
 * Issue 17 as a new user meets it: `vigil scan fs|repo|zip --scanners secret,code` on a small
 * project with a planted AWS key pair, a command injection in a Flask view and one in an Express
 * route — without any vulnerability database — in the table, JSON and SARIF formats, with exit codes;
 * a secret committed and removed later is still found in the repository's history; an unknown
 * scanner is a usage error (exit 2). The planted secrets are built at run time and never appear in
 * any output.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeZip } from './helpers/zip.ts';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'vigil.js');

// an access key id and secret of the documented shapes (AKIA + 16 of A-Z2-7; 40 of base64 characters), not AWS's documented examples
const KEY_ID = ['AKIA', 'QYLPMN5HHHFPZAM2'].join('');
const SECRET = ['Xq3vRT9mPz', 'LkW2nB7yHc', 'Ds4FgJ8aVe', 'Ub6NtQ1oMi'].join('');

describe('vigil scan --scanners secret,code', () => {
  let dir: string;
  let project: string;
  let repo: string;
  let home: string;
  const vigil = (...args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, VIGIL_LOG_LEVEL: '', VIGIL_HOME: home, VIGIL_DATABASE_URL: `sqlite:${join(home, 'never-created.db')}`, NO_COLOR: '1' } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-code-scan-'));
    home = join(dir, 'home');
    mkdirSync(home);
    project = join(dir, 'project');
    mkdirSync(join(project, 'web'), { recursive: true });
    writeFileSync(join(project, 'app.py'), [
      'import os',
      'from flask import Flask, request',
      '',
      'app = Flask(__name__)',
      `AWS_ACCESS_KEY_ID = "${KEY_ID}"`,
      `AWS_SECRET_ACCESS_KEY = "${SECRET}"`,
      '',
      "@app.route('/run')",
      'def run():',
      "    cmd = request.args.get('cmd')",
      '    os.system("ping -c 1 " + cmd)',
      "    return 'ok'",
      '',
    ].join('\n'));
    writeFileSync(join(project, 'web', 'server.js'), [
      "const { exec } = require('child_process');",
      "const express = require('express');",
      'const app = express();',
      "app.get('/ping', (req, res) => {",
      '  exec(`ping -c 1 ${req.query.host}`, (err, out) => res.send(out));',
      '});',
      '',
    ].join('\n'));
    // a repository whose second commit removes the key again
    repo = join(dir, 'repo');
    mkdirSync(repo);
    const git = (...a: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.name=Dev One', '-c', 'user.email=dev@example.test', ...a], { stdio: 'pipe' });
    git('init', '-q', '-b', 'main');
    writeFileSync(join(repo, 'settings.py'), `AWS_ACCESS_KEY_ID = "${KEY_ID}"\nAWS_SECRET_ACCESS_KEY = "${SECRET}"\n`);
    git('add', '.');
    git('commit', '-q', '-m', 'settings', '--date', '2026-01-02T03:04:05Z');
    writeFileSync(join(repo, 'settings.py'), 'import os\nAWS_ACCESS_KEY_ID = os.environ["AWS_ACCESS_KEY_ID"]\n');
    git('commit', '-q', '-am', 'read the key from the environment');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const noSecretIn = (text: string) => {
    assert.ok(!text.includes(SECRET), 'the secret access key is never printed');
    assert.ok(!text.includes(KEY_ID), 'nor the whole key id');
  };

  test('--format json: secrets and code findings, no vulnerability database needed', () => {
    const r = vigil('scan', 'fs', project, '--scanners', 'secret,code', '--format', 'json');
    assert.equal(r.code, 0, r.stderr);
    noSecretIn(r.stdout + r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.findings, []);
    const aws = out.secrets.filter((s: { provider: string }) => s.provider === 'AWS');
    assert.ok(aws.length >= 1, JSON.stringify(out.secrets));
    assert.equal(aws[0].location.path, 'app.py');
    assert.match(aws[0].secret.hash, /^[0-9a-f]{64}$/);
    const cwe78 = out.code.filter((c: { cwe: string[] }) => c.cwe.includes('CWE-78'));
    assert.deepEqual(cwe78.map((c: { location: { path: string; line: number } }) => `${c.location.path}:${c.location.line}`).sort(), ['app.py:11', 'web/server.js:5']);
    for (const c of cwe78) {
      assert.ok(c.trace.length >= 2, 'source → sink');
      assert.equal(c.trace[0].kind, 'source');
      assert.equal(c.trace.at(-1).kind, 'sink');
    }
  });

  test('table: a Secrets and a Code section, the secret masked; --exit-code counts them', () => {
    const r = vigil('scan', 'fs', project, '--scanners', 'secret,code', '--exit-code', '7');
    assert.equal(r.code, 7, r.stderr);
    noSecretIn(r.stdout);
    assert.match(r.stdout, /\nSecrets \(\d+\)\n=+\n/);
    assert.match(r.stdout, /\nCode \(\d+\)\n=+\n/);
    assert.match(r.stdout, /CWE-78\s+\S+\s+app\.py:11:\d+/);
    assert.match(r.stdout, /AKIA[A-Z0-9]{0,4}…/);
  });

  test('SARIF: each code rule tagged with its CWE for GitHub code scanning; results at line and column, with the taint flow', () => {
    const r = vigil('scan', 'fs', project, '--scanners', 'secret,code', '--format', 'sarif');
    assert.equal(r.code, 0, r.stderr);
    noSecretIn(r.stdout);
    const run = JSON.parse(r.stdout).runs[0];
    const rules = run.tool.driver.rules as { id: string; properties: { tags: string[]; 'security-severity': string } }[];
    const injection = rules.filter((x) => x.properties.tags.includes('external/cwe/cwe-78'));
    assert.ok(injection.length >= 1, JSON.stringify(rules.map((x) => [x.id, x.properties.tags])));
    assert.ok(rules.some((x) => x.id.startsWith('secret/') && x.properties.tags.includes('external/cwe/cwe-798')));
    const res = run.results.find((x: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) => injection.some((i) => i.id === x.ruleId) && x.locations[0].physicalLocation.artifactLocation.uri === 'app.py');
    assert.equal(res.locations[0].physicalLocation.region.startLine, 11);
    assert.ok(res.codeFlows[0].threadFlows[0].locations.length >= 2);
    assert.equal(run.tool.driver.rules[res.ruleIndex].id, res.ruleId);
  });

  test('repo: a secret committed and removed later is still a finding, with its commit', () => {
    const r = vigil('scan', 'repo', repo, '--scanners', 'secret', '--format', 'json');
    assert.equal(r.code, 0, r.stderr);
    noSecretIn(r.stdout);
    const aws = JSON.parse(r.stdout).secrets.filter((s: { provider: string }) => s.provider === 'AWS');
    assert.ok(aws.length >= 1, r.stdout.slice(0, 2000));
    const c = aws[0].location.commit;
    assert.equal(aws[0].location.path, 'settings.py');
    assert.match(c.author, /^Dev One\b/);
    assert.equal(c.inHead, false);
    assert.match(c.date, /^2026-01-02/);
  });

  test('zip: a function package\'s code and secrets', () => {
    const zip = join(dir, 'fn.zip');
    writeFileSync(zip, makeZip(['app.py', 'web/server.js'].map((name) => ({ name, data: readFileSync(join(project, name)) }))));
    const r = vigil('scan', 'zip', zip, '--scanners', 'code,secret', '--format', 'json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.ok(out.code.some((c: { cwe: string[] }) => c.cwe.includes('CWE-78')));
    assert.ok(out.secrets.some((s: { provider: string }) => s.provider === 'AWS'));
  });

  test('an unknown or empty scanner list is a usage error (exit 2), before any work', () => {
    for (const bad of ['bogus', 'vuln,secrets', ',']) {
      const r = vigil('scan', 'fs', project, '--scanners', bad);
      assert.equal(r.code, 2, `${bad}: ${r.stderr}`);
      assert.match(r.stderr, /^vigil: --scanners .*(not a scanner|name at least one scanner); one or more of vuln, malware, secret, code \[VIGIL_CONFIG\]\n$/);
    }
  });
});
