import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ExtractContext, ScanFile } from '../../types.ts';
import { javaArchiveExtractor, scanJavaArchive } from './index.ts';

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
  const shallow = await scanJavaArchive(td('happy/shop.ear'), 'shop.ear', { maxDepth: 0, maxEntryBytes: 1e8, maxEntries: 1000, maxRatio: 200 });
  assert.deepEqual(shallow.coordinates, []);
});

test('sad: truncated jar, and a WAR nesting one, are recorded errors', async () => {
  const c = ctx();
  assert.deepEqual(await javaArchiveExtractor.extract(file('t.jar', td('sad/truncated.jar')), c), []);
  assert.deepEqual(await javaArchiveExtractor.extract(file('b.war', td('sad/bad-nested.war')), c), []);
  assert.deepEqual(c.fileErrors.map((e) => e.path), ['t.jar', 'b.war!/WEB-INF/lib/truncated.jar']);
  assert.ok(c.fileErrors.every((e) => e.rule === 'java-archive'));
});
