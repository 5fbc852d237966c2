import { describe, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { makeZip } from '../../../../test/helpers/zip.ts';
import { nestedJar, overlappingJar, pomProperties } from '../../../../test/helpers/hostile.ts';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ExtractContext, ScanFile } from '../../types.ts';
import { DEFAULT_SOURCE_LIMITS } from '../../../sources/types.ts';
import { javaArchiveExtractor } from './index.ts';
import { scanJavaArchive } from './parse.ts';

const td = (p: string): Buffer => readFileSync(new URL(`testdata/${p}`, import.meta.url));
const file = (path: string, data: Buffer): ScanFile => ({ info: { path, kind: 'file', size: data.length }, read: async () => data });
const ctx = (): ExtractContext => ({ readFile: async () => null, fileErrors: [] });
const brief = (ps: { name: string; version: string; locations?: string[] }[]): string[] => ps.map((p) => `${p.name}@${p.version} ${p.locations?.[0]}`);

test('real jar with pom.properties (from ~/.m2: animal-sniffer-annotations 1.14)', async () => {
  const pkgs = await javaArchiveExtractor.extract(file('lib/a.jar', td('happy/animal-sniffer-annotations-1.14.jar')), ctx());
  assert.deepEqual(brief(pkgs), ['org.codehaus.mojo:animal-sniffer-annotations@1.14 lib/a.jar']);
  assert.equal(pkgs[0].purl, 'pkg:maven/org.codehaus.mojo/animal-sniffer-annotations@1.14');
});

test('real jar with only a MANIFEST (apiguardian-api 1.1.2): OSGi/Implementation headers', async () => {
  const pkgs = await javaArchiveExtractor.extract(file('b.jar', td('happy/apiguardian-api-1.1.2.jar')), ctx());
  assert.deepEqual(brief(pkgs), ['org.apiguardian:apiguardian-api@1.1.2 b.jar']);
});

test('WAR and EAR nesting: locations use "!/"', async () => {
  const c = ctx();
  const war = await javaArchiveExtractor.extract(file('srv/shop.war', td('happy/shop.war')), c);
  assert.deepEqual(brief(war).sort(), [
    'com.example:shop-web@2.0.0 srv/shop.war',
    'org.apiguardian:apiguardian-api@1.1.2 srv/shop.war!/WEB-INF/lib/apiguardian-api-1.1.2.jar',
    'org.codehaus.mojo:animal-sniffer-annotations@1.14 srv/shop.war!/WEB-INF/lib/animal-sniffer-annotations-1.14.jar',
  ]);
  const ear = await javaArchiveExtractor.extract(file('shop.ear', td('happy/shop.ear')), c);
  assert.ok(brief(ear).includes('org.codehaus.mojo:animal-sniffer-annotations@1.14 shop.ear!/shop.war!/WEB-INF/lib/animal-sniffer-annotations-1.14.jar'));
  assert.deepEqual(c.fileErrors, []);
  // depth limit: nothing below the EAR itself
  const shallow = await scanJavaArchive(td('happy/shop.ear'), 'shop.ear', { ...DEFAULT_SOURCE_LIMITS, maxDepth: 0 });
  assert.deepEqual(shallow.coordinates, []);
  assert.deepEqual(shallow.problems.map((p) => [p.rule, p.location, p.count]), [['nesting-too-deep', 'shop.ear', 1]], 'what the depth limit left out is recorded');
});

test('sad: truncated jar, and a WAR nesting one, are recorded errors', async () => {
  const c = ctx();
  assert.deepEqual(await javaArchiveExtractor.extract(file('t.jar', td('sad/truncated.jar')), c), []);
  assert.deepEqual(await javaArchiveExtractor.extract(file('b.war', td('sad/bad-nested.war')), c), []);
  assert.deepEqual(c.fileErrors.map((e) => e.path), ['t.jar', 'b.war!/WEB-INF/lib/truncated.jar']);
  assert.ok(c.fileErrors.every((e) => e.rule === 'java-archive'));
});

describe('hostile archives: limits skip what broke them, the rest is read', () => {
  const lodashLike = pomProperties('org.example', 'good', '1.0');

  test('overlapping entries: many central-directory names pointing at one stored jar are read once', async () => {
    const inner = makeZip([pomProperties('org.example', 'inner', '2.0'), { name: 'pad.bin', data: randomBytes(256 * 1024), store: true }]);
    const jar = overlappingJar(inner, 200, [lodashLike]);
    const c = ctx();
    const pkgs = await javaArchiveExtractor.extract(file('app.jar', jar), c);
    assert.deepEqual(brief(pkgs).sort(), ['org.example:good@1.0 app.jar', 'org.example:inner@2.0 app.jar!/lib/copy-0.jar']);
    assert.deepEqual(c.fileErrors.map((e) => [e.rule, e.path, e.count]), [['overlapping-entries', 'app.jar', 199]]);
  });

  test('nesting deeper than maxDepth is recorded, not silently dropped', async () => {
    const deep = nestedJar(6, pomProperties('org.example', 'deep', '3.0'));
    const c = ctx();
    assert.deepEqual(await javaArchiveExtractor.extract(file('deep.jar', deep), c), []);
    assert.deepEqual(c.fileErrors.map((e) => [e.rule, e.path]), [['nesting-too-deep', 'deep.jar!/lib/level-6.jar!/lib/level-5.jar!/lib/level-4.jar!/lib/level-3.jar']]);
    const ok = await scanJavaArchive(nestedJar(4, pomProperties('org.example', 'deep', '3.0')), 'ok.jar');
    assert.deepEqual(ok.coordinates.map((x) => x.artifact), ['deep'], 'depth 4 is still read');
  });

  test('bytes read from nested archives are bounded; ratio bombs and long names skip one entry', async () => {
    const small = makeZip([pomProperties('org.example', 'small', '1.0')]);
    const big = makeZip([pomProperties('org.example', 'big', '1.0'), { name: 'pad.bin', data: randomBytes(64 * 1024), store: true }]);
    const outer = makeZip([
      { name: 'lib/big.jar', data: big },
      { name: 'lib/small.jar', data: small },
      { name: 'lib/stored.jar', data: big, store: true },
      { name: 'zeros.jar', data: Buffer.alloc(4 * 1024 * 1024) },
      { name: `${'n'.repeat(5000)}.jar`, data: small, store: true },
    ]);
    const r = await scanJavaArchive(outer, 'o.war', { ...DEFAULT_SOURCE_LIMITS, maxNestedBytes: 32 * 1024, maxRatio: 100 });
    assert.deepEqual(r.coordinates.map((x) => [x.artifact, x.location]), [['small', 'o.war!/lib/small.jar'], ['big', 'o.war!/lib/stored.jar']], 'a stored nested jar is a view, not held twice: outside the budget');
    assert.deepEqual(r.problems.map((p) => [p.rule, p.location.replace(/n{5000}/, 'n…')]).sort(), [['decompression-bomb', 'o.war!/zeros.jar'], ['name-too-long', `o.war!/${'n'.repeat(256)}…(5004 characters)`], ['nested-too-large', 'o.war']]);
  });

  test('entries are counted over everything nested: the total stops the walk', async () => {
    const inner = makeZip(Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, data: 'x' })));
    const outer = makeZip([{ name: 'a.jar', data: inner, store: true }, { name: 'b.jar', data: inner, store: true }]);
    const r = await scanJavaArchive(outer, 'o.jar', { ...DEFAULT_SOURCE_LIMITS, maxEntries: 30 });
    assert.deepEqual(r.problems.map((p) => [p.rule, p.location]), [['too-many-entries', 'o.jar!/b.jar']]);
  });
});
