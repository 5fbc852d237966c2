import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ExtractContext, ScanFile } from '../../types.ts';
import { pomExtractor } from './index.ts';

const td = (p: string): Buffer => readFileSync(new URL(`testdata/${p}`, import.meta.url));
const file = (path: string, data: Buffer): ScanFile => ({ info: { path, kind: 'file', size: data.length }, read: async () => data });
const ctx = (files: Record<string, Buffer> = {}): ExtractContext => ({ readFile: async (p) => files[p] ?? null, fileErrors: [] });
const brief = (ps: { name: string; version: string; dev?: boolean }[]): string[] => ps.map((p) => `${p.name}@${p.version}${p.dev ? ' dev' : ''}`);

test('local parent: inherited groupId/version, overridden property, dependencyManagement, test scope', async () => {
  const c = ctx({ 'repo/pom.xml': td('happy/parent-pom.xml') });
  const pkgs = await pomExtractor.extract(file('repo/web/pom.xml', td('happy/child-pom.xml')), c);
  assert.deepEqual(brief(pkgs), [
    'com.fasterxml.jackson.core:jackson-databind@2.16.0',
    'org.apache.logging.log4j:log4j-core@2.14.1',
    'com.example:shop-core@3.1.0',
    'org.junit.jupiter:junit-jupiter@5.10.0 dev',
  ]);
  assert.equal(pkgs[1].purl, 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1');
  assert.deepEqual(c.fileErrors, []);
});

test('without the parent: unresolved versions are reported and those dependencies skipped', async () => {
  const c = ctx();
  const pkgs = await pomExtractor.extract(file('repo/web/pom.xml', td('happy/child-pom.xml')), c);
  assert.deepEqual(brief(pkgs), ['com.example:shop-core@3.1.0']);
  assert.equal(c.fileErrors.length, 4); // parent missing + 3 dependencies
  assert.ok(c.fileErrors.every((e) => e.rule === 'pom-unresolved'));
});

test('sad: unresolved property and unmanaged version; broken XML', async () => {
  const c = ctx();
  assert.deepEqual(brief(await pomExtractor.extract(file('pom.xml', td('sad/unresolved-pom.xml')), c)), ['a.b:ok@1.2']);
  assert.deepEqual(c.fileErrors.map((e) => e.message.split(': ')[1].split(' ')[0]), ['parent', 'dependency', 'dependency']);
  const c2 = ctx();
  assert.deepEqual(await pomExtractor.extract(file('pom.xml', td('sad/not-xml-pom.xml')), c2), []);
  assert.equal(c2.fileErrors[0].rule, 'parse-error');
});
