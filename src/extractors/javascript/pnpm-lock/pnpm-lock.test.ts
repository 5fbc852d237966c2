import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, runExtractor } from '../testutil.ts';
import { pnpmLockExtractor } from './index.ts';
import { FOUND_BY, parsePnpmLock } from './parse.ts';

const here = import.meta.url;
const load = async (name: string) => (await fixture(here, name)).toString('utf8');
const show = (pkgs: { name: string; version: string; dev?: boolean }[]) => pkgs.map((p) => `${p.name}@${p.version}${p.dev ? ' dev' : ''}`);

test('fileRequired', () => {
  const r = (p: string) => pnpmLockExtractor.fileRequired(p, { path: p, kind: 'file', size: 1 });
  assert.ok(r('pnpm-lock.yaml'));
  assert.ok(r('srv/pnpm-lock.yaml'));
  assert.ok(!r('srv/node_modules/.pnpm/lock.yaml'));
  assert.ok(!r('srv/node_modules/x/pnpm-lock.yaml'));
});

test('real lockfiles from pnpm 7 (5.4), 8 (6.0) and 9 (9.0) of one package.json agree', async () => {
  const v5 = parsePnpmLock(await load('demo.v5.4.yaml'), 'pnpm-lock.yaml');
  const v6 = parsePnpmLock(await load('demo.v6.0.yaml'), 'pnpm-lock.yaml');
  const v9 = parsePnpmLock(await load('demo.v9.0.yaml'), 'pnpm-lock.yaml');
  for (const o of [v5, v6, v9]) assert.deepEqual(o.problems, []);
  assert.equal(v9.packages.length, 40);
  assert.equal(v9.packages.filter((p) => p.dev).length, 22);
  // pnpm 8+ auto-installs peers (react for react-dom); pnpm 7 did not
  assert.deepEqual(show(v6.packages), show(v9.packages));
  assert.deepEqual(show(v5.packages), show(v9.packages).filter((s) => !s.startsWith('react@')));
});

test('9.0: dev marking walks importers; peers suffixes stripped; scoped purls', async () => {
  const { packages, errors } = await runExtractor(pnpmLockExtractor, 'app/pnpm-lock.yaml', { 'app/pnpm-lock.yaml': await fixture(here, 'demo.v9.0.yaml') });
  assert.deepEqual(errors, []);
  const get = (id: string) => packages.find((p) => `${p.name}@${p.version}` === id)!;
  assert.equal(get('mocha@5.2.0').dev, true);
  assert.equal(get('react-dom@18.2.0').dev, false);
  assert.equal(get('react@18.3.1').dev, false);
  assert.equal(get('supports-color@5.4.0').dev, true);
  assert.equal(get('supports-color@5.5.0').dev, false);
  const cf = get('@babel/code-frame@7.22.13');
  assert.equal(cf.purl, 'pkg:npm/%40babel/code-frame@7.22.13');
  assert.deepEqual(cf.locations, ['app/pnpm-lock.yaml']);
  assert.equal(cf.foundBy, 'javascript/pnpm-lock');
  assert.equal(cf.ecosystem, 'npm');
});

test('9.0 workspace: every importer counts, link: entries are skipped', async () => {
  const out = parsePnpmLock(await load('workspace.v9.0.yaml'), 'pnpm-lock.yaml');
  assert.deepEqual(out.problems, []);
  const s = show(out.packages);
  assert.ok(!s.some((x) => x.startsWith('@ws/')));
  assert.ok(s.includes('ms@2.0.0') && s.includes('ms@2.1.3'));
  assert.ok(s.includes('is-odd@3.0.1 dev'));
  assert.ok(s.includes('is-number@7.0.0 dev'));
  // is-odd depends on is-number@6: dev through the dev-only is-odd
  assert.ok(s.includes('is-number@6.0.0 dev'));
  assert.ok(s.includes('react-dom@18.2.0'));
});

test('aliases, tarball entries with name/version, and a two-document file (pnpm ≥ 9.7)', () => {
  const text = [
    '---',
    "lockfileVersion: '9.0'",
    'importers:',
    '  .:',
    '    packageManagerDependencies:',
    '      pnpm: {specifier: 9.15.0, version: 9.15.0}',
    'packages:',
    '  pnpm@9.15.0: {resolution: {integrity: sha512-x}}',
    'snapshots:',
    '  pnpm@9.15.0: {}',
    '---',
    "lockfileVersion: '9.0'",
    'importers:',
    '  .:',
    '    dependencies:',
    '      my-ms: {specifier: npm:ms@2.1.3, version: ms@2.1.3}',
    '      tar: {specifier: https://example.com/tar.tgz, version: https://example.com/tar.tgz}',
    '    devDependencies:',
    '      local: {specifier: link:../local, version: link:../local}',
    'packages:',
    '  ms@2.1.3: {resolution: {integrity: sha512-y}}',
    "  tar@https://example.com/tar.tgz: {resolution: {tarball: 'https://example.com/tar.tgz'}, name: tar, version: 6.2.1}",
    'snapshots:',
    '  ms@2.1.3: {}',
    '  tar@https://example.com/tar.tgz: {}',
    '',
  ].join('\n');
  const out = parsePnpmLock(text, 'pnpm-lock.yaml');
  assert.deepEqual(out.problems, []);
  assert.deepEqual(show(out.packages), ['ms@2.1.3', 'tar@6.2.1']);
});

test('sad: not a lockfile, truncated, no lockfileVersion → one parse-error, no throw', async () => {
  for (const name of ['not-json.txt', 'truncated.v9.0.yaml', 'no-version.yaml']) {
    const { packages, errors } = await runExtractor(pnpmLockExtractor, 'pnpm-lock.yaml', { 'pnpm-lock.yaml': await fixture(here, name) });
    assert.deepEqual(packages, [], name);
    assert.deepEqual(errors.map((e) => e.rule), ['parse-error'], name);
  }
});

test('sad: a bad entry is recorded, the rest read', () => {
  const text = "lockfileVersion: '6.0'\npackages:\n  /ok@1.0.0:\n    dev: false\n  /bad: [1, 2]\n  /nover:\n    dev: true\n";
  const out = parsePnpmLock(text, 'pnpm-lock.yaml');
  assert.deepEqual(show(out.packages), ['ok@1.0.0']);
  assert.deepEqual(out.problems.map((p) => p.rule), ['invalid-entry', 'invalid-entry']);
});

test('issue 13: YAML warnings go to the scan logger, never raw to stderr', async () => {
  const text = "lockfileVersion: '6.0'\npackages:\n  /ok@1.0.0: !custom\n    dev: false\n";
  const emitted: string[] = [];
  const onWarning = (w: Error) => emitted.push(w.message);
  process.on('warning', onWarning);
  const logged: { obj: unknown; msg: string }[] = [];
  const log = { warn: (obj: unknown, msg: string) => logged.push({ obj, msg }) } as unknown as import('../../../log.ts').Logger;
  try {
    const file = { info: { path: 'app/pnpm-lock.yaml', kind: 'file' as const, size: text.length }, read: async () => Buffer.from(text) };
    const ctx = { fileErrors: [], readFile: async () => null, log };
    const packages = await pnpmLockExtractor.extract(file, ctx);
    await new Promise((r) => setImmediate(r)); // process warnings are emitted on the next tick
    assert.deepEqual(show(packages), ['ok@1.0.0']);
    assert.deepEqual(ctx.fileErrors, []);
    assert.deepEqual(emitted, []);
    assert.equal(logged.length, 1);
    assert.deepEqual(logged[0].obj, { path: 'app/pnpm-lock.yaml', rule: 'yaml-warning' });
    assert.match(logged[0].msg, /^app\/pnpm-lock\.yaml: .*custom/);
  } finally {
    process.off('warning', onWarning);
  }
});

test('deeply nested YAML is a parse error naming the rule, not a stack overflow', async () => {
  const text = `lockfileVersion: '6.0'\npackages:\n  /ok@1.0.0: ${'['.repeat(20000)}${']'.repeat(20000)}\n`;
  const { packages, errors } = await runExtractor(pnpmLockExtractor, 'pnpm-lock.yaml', { 'pnpm-lock.yaml': text });
  assert.deepEqual(packages, []);
  assert.deepEqual(errors.map((e) => e.rule), ['nesting-depth']);
});

test('fuzz regression: a lockfileVersion mapping with a toString key is a parse-error, not a TypeError', async () => {
  const { packages, errors } = await runExtractor(pnpmLockExtractor, 'pnpm-lock.yaml', { 'pnpm-lock.yaml': 'lockfileVersion:\n  toString: 1\n  valueOf: 1\n' });
  assert.deepEqual(packages, []);
  assert.deepEqual(errors.map((e) => e.rule), ['parse-error']);
});
