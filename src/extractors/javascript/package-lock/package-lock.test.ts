import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, ids, runExtractor } from '../testutil.ts';
import { packageLockExtractor } from './index.ts';
import { parsePackageLock } from './parse.ts';
import { parsePackageLockPieces } from './parse.ts';
import { leanPackages } from './scan.ts';
import type { ExtractContext } from '../../types.ts';

const here = import.meta.url;
const load = async (name: string) => (await fixture(here, name)).toString('utf8');

test('fileRequired: lockfiles outside node_modules only', () => {
  const r = (p: string) => packageLockExtractor.fileRequired(p, { path: p, kind: 'file', size: 1 });
  assert.ok(r('package-lock.json'));
  assert.ok(r('app/npm-shrinkwrap.json'));
  assert.ok(!r('app/node_modules/x/package-lock.json'));
  assert.ok(!r('app/node_modules/.package-lock.json'));
  assert.ok(!r('app/package.json'));
});

test('v1, v2 and v3 of the same real install (npm 11) agree', async () => {
  const sets = [];
  for (const v of ['v1', 'v2', 'v3']) {
    const out = parsePackageLock(await load(`express-mocha.${v}.json`), 'package-lock.json');
    assert.deepEqual(out.problems, []);
    sets.push(out.packages.map((p) => `${p.name}@${p.version}${p.dev ? ' dev' : ''}`));
  }
  assert.equal(sets[0].length, 74);
  assert.deepEqual(sets[1], sets[0]);
  assert.deepEqual(sets[2], sets[0]);
  assert.equal(sets[0].filter((s) => s.endsWith(' dev')).length, 21);
});

test('v3: names, nested node_modules, dev flags, purls, locations', async () => {
  const { packages, errors } = await runExtractor(packageLockExtractor, 'srv/app/package-lock.json', { 'srv/app/package-lock.json': await fixture(here, 'express-mocha.v3.json') });
  assert.deepEqual(errors, []);
  const get = (id: string) => packages.find((p) => `${p.name}@${p.version}` === id);
  assert.equal(get('lodash@4.17.4')?.dev, false);
  assert.equal(get('mocha@5.2.0')?.dev, true);
  // node_modules/mocha/node_modules/debug is a second version of debug, nested under mocha
  assert.ok(get('debug@3.1.0')?.dev);
  assert.equal(get('debug@2.6.9')?.dev, false);
  const lodash = get('lodash@4.17.4')!;
  assert.equal(lodash.purl, 'pkg:npm/lodash@4.17.4');
  assert.equal(lodash.ecosystem, 'npm');
  assert.equal(lodash.foundBy, 'javascript/package-lock');
  assert.deepEqual(lodash.locations, ['srv/app/package-lock.json']);
  assert.deepEqual(lodash.licenses, ['MIT']);
  // sorted output
  const names = packages.map((p) => p.name);
  assert.deepEqual(names, [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
});

test('workspace lockfile: link entries and workspace folders skipped; scoped purls; peer and optional are not dev', async () => {
  const out = parsePackageLock(await load('workspace-peer-optional.v3.json'), 'package-lock.json');
  assert.deepEqual(out.problems, []);
  const names = ids(out.packages);
  assert.ok(!names.some((n) => n.startsWith('@ws/a')), 'workspace @ws/a is the project itself');
  assert.ok(names.includes('ms@2.1.3'), 'a workspace dependency is installed');
  const code = out.packages.find((p) => p.name === '@babel/code-frame')!;
  assert.equal(code.purl, 'pkg:npm/%40babel/code-frame@7.22.13');
  assert.equal(out.packages.find((p) => p.name === 'fsevents')?.dev, false); // optional
  assert.equal(out.packages.find((p) => p.name === 'react')?.dev, false); // peer
  assert.equal(out.packages.length, 32);
});

test('npm-shrinkwrap.json is read like package-lock.json', async () => {
  const { packages, errors } = await runExtractor(packageLockExtractor, 'npm-shrinkwrap.json', { 'npm-shrinkwrap.json': await fixture(here, 'npm-shrinkwrap.json') });
  assert.deepEqual(errors, []);
  assert.equal(packages.length, 74);
});

test('v1 aliases, file: links and bundled entries', () => {
  const text = JSON.stringify({
    lockfileVersion: 1,
    dependencies: {
      foo: { version: 'npm:@scope/bar@1.2.3' },
      local: { version: 'file:../local' },
      host: { version: '1.0.0', dependencies: { inner: { version: '2.0.0', bundled: true, dev: true } } },
    },
  });
  const out = parsePackageLock(text, 'package-lock.json');
  assert.deepEqual(out.packages.map((p) => `${p.name}@${p.version}${p.dev ? ' dev' : ''}`), ['@scope/bar@1.2.3', 'host@1.0.0', 'inner@2.0.0 dev']);
});

test('sad: not JSON, truncated, wrong shape → one parse-error, no throw', async () => {
  for (const name of ['not-json.txt', 'truncated.v3.json', 'wrong-shape.json']) {
    const { packages, errors } = await runExtractor(packageLockExtractor, 'package-lock.json', { 'package-lock.json': await fixture(here, name) });
    assert.deepEqual(packages, [], name);
    assert.equal(errors.length, 1, name);
    assert.equal(errors[0].rule, 'parse-error', name);
    assert.match(errors[0].message, /package-lock\.json/);
  }
});

test('sad: bad entries are recorded and the rest is read', async () => {
  const { packages, errors } = await runExtractor(packageLockExtractor, 'package-lock.json', { 'package-lock.json': await fixture(here, 'bad-entries.v3.json') });
  assert.equal(packages.length, 72);
  assert.deepEqual(errors.map((e) => e.rule), ['invalid-entry', 'invalid-entry']);
  assert.ok(errors.some((e) => e.message.includes('node_modules/lodash')));
});

test('the lean byte walk gives what parsing the whole text gives, and leaves what it does not take to it', async () => {
  const { parsePackageLockText } = await import('./parse.ts');
  const v3 = await load('express-mocha.v3.json');
  const cases: [string, string][] = [
    ['testdata v3', v3],
    ['testdata v2', await load('express-mocha.v2.json')],
    ['BOM', `\uFEFF${v3}`],
    ['repeated key', '{"lockfileVersion":3,"packages":{"node_modules/a":{"version":"1.0.0"},"node_modules/a":{"version":"2.0.0"}}}'],
    ['escaped key and value', '{"lockfileVersion":3,"packages":{"node_modules/\\u0061b":{"version":"1.0.\\u0030","license":"MIT"},"node_modules/c":{"ver\\u0073ion":"3.0.0"}}}'],
    ['wrong types', '{"lockfileVersion":3,"packages":{"node_modules/a":{"version":1},"node_modules/b":[],"node_modules/c":"x","node_modules/d":{"version":"1.0.0","dev":"yes"},"node_modules/e":{"version":"2.0.0","license":{"type":"ISC"}}}}'],
    ['repeated field', '{"lockfileVersion":3,"packages":{"node_modules/a":{"version":"1.0.0","version":"2.0.0"}}}'],
    ['aliases, links, licenses lists', '{"lockfileVersion":3,"packages":{"":{"name":"x"},"node_modules/al":{"name":"real","version":"1.0.0","licenses":[{"type":"MIT"}]},"node_modules/w":{"link":true,"resolved":"w"},"node_modules/a/node_modules/b":{"version":"0.1.0","dev":true},"node_modules/b":{"version":"0.1.0"}}}'],
    ['trailing garbage', '{"lockfileVersion":3,"packages":{"node_modules/a":{"version":"1.0.0"}}} x'],
    ['bad JSON in another member', '{"lockfileVersion":3,"packages":{"node_modules/a":{"version":"1.0.0"}},"dependencies":{"a":tru}}'],
    ['bad number', '{"lockfileVersion":3,"packages":{"node_modules/a":{"version":"1.0.0","x":01}}}'],
    ['bad lockfileVersion', '{"lockfileVersion":0,"packages":{"node_modules/a":{"version":"1.0.0"}}}'],
    ['packages not an object', '{"lockfileVersion":3,"packages":[]}'],
    ['v1 only', '{"lockfileVersion":1,"dependencies":{"a":{"version":"1.0.0"}}}'],
    ['deep nesting', `{"lockfileVersion":3,"packages":{"node_modules/a":{"version":"1.0.0","x":${'['.repeat(100000)}${']'.repeat(100000)}}}}`],
    ['truncated', v3.slice(0, v3.length / 2)],
  ];
  for (const [what, text] of cases) {
    const whole = (() => { try { return parsePackageLockText(text.replace(/^\uFEFF/, ''), 'package-lock.json'); } catch (e) { return { error: (e as Error).message }; } })();
    const lean = (() => { try { return parsePackageLock(Buffer.from(text), 'package-lock.json'); } catch (e) { return { error: (e as Error).message }; } })();
    assert.deepEqual(JSON.parse(JSON.stringify(lean)), JSON.parse(JSON.stringify(whole)), what);
    // the same bytes in pieces: what the piecewise reading takes it reads alike, the rest it leaves
    const bytes = Buffer.from(text);
    // (byte by byte only for the small ones: a piece is one await)
    for (const size of bytes.length > 50_000 ? [997, 4096] : [1, 2, 7, 64, 4096, bytes.length + 1]) {
      const pieces = (async function* () { for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size); })();
      const inPieces = await parsePackageLockPieces(pieces, 'package-lock.json');
      if (inPieces) assert.deepEqual(JSON.parse(JSON.stringify(inPieces)), JSON.parse(JSON.stringify(lean)), `${what} in pieces of ${size}`);
      else assert.equal(leanPackages(bytes, () => undefined), null, `${what} in pieces of ${size}: refused, and refused whole`);
    }
  }
});

test('reading in pieces: a v2 lockfile\'s dependencies tree is skipped token by token, and reading stops at the first sure error', async () => {
  const v2 = Buffer.from(await load('express-mocha.v2.json'));
  let read = 0;
  const pieces = async function* (b: Buffer, size: number) { for (let i = 0; i < b.length; i += size) { read += Math.min(size, b.length - i); yield b.subarray(i, i + size); } };
  const out = await parsePackageLockPieces(pieces(v2, 5), 'package-lock.json');
  assert.equal(out?.packages.length, 74);
  // a top level that is no object is refused at its first byte, the rest never read
  read = 0;
  const notLock = Buffer.concat([Buffer.from('['), Buffer.alloc(1 << 20, 0x20), Buffer.from(']')]);
  assert.equal(await parsePackageLockPieces(pieces(notLock, 4096), 'package-lock.json'), null);
  assert.equal(read, 4096);
  // the extractor reads what the pieces refuse whole, with its usual message
  const file = (b: Buffer) => ({ info: { path: 'package-lock.json', kind: 'file' as const, size: b.length }, read: async () => b, chunks: (n: number) => pieces(b, n) });
  const ctx: ExtractContext = { readFile: async () => null, fileErrors: [] };
  assert.deepEqual(await packageLockExtractor.extract(file(Buffer.from('{"lockfileVersion":3,"packages":{"node_modules/a":{"version":"1.0.0"}}} x')), ctx), []);
  assert.equal(ctx.fileErrors[0]?.rule, 'parse-error');
  const ok = await packageLockExtractor.extract(file(v2), { readFile: async () => null, fileErrors: [] });
  assert.equal(ok.length, 74);
});
