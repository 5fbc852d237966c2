import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ExtractContext, ScanFile } from '../../types.ts';
import { gradleLockfileExtractor } from './index.ts';

const td = (p: string): Buffer => readFileSync(new URL(`testdata/${p}`, import.meta.url));
const file = (path: string, data: Buffer): ScanFile => ({ info: { path, kind: 'file', size: data.length }, read: async () => data });
const ctx = (): ExtractContext => ({ readFile: async () => null, fileErrors: [] });

test('gradle.lockfile (lines from Hogeyama/java-template): test-only configurations are dev', async () => {
  const c = ctx();
  const pkgs = await gradleLockfileExtractor.extract(file('gradle.lockfile', td('happy/gradle.lockfile')), c);
  assert.equal(pkgs.length, 10);
  const dev = pkgs.filter((p) => p.dev).map((p) => p.name);
  assert.deepEqual(dev, ['com.github.docker-java:docker-java-api', 'junit:junit', 'org.junit.jupiter:junit-jupiter-engine']);
  const g = pkgs.find((p) => p.name === 'com.google.guava:guava');
  assert.equal(g?.version, '32.1.3-jre');
  assert.equal(g?.purl, 'pkg:maven/com.google.guava/guava@32.1.3-jre');
  assert.equal(g?.ecosystem, 'Maven');
  assert.deepEqual(pkgs.filter((p) => p.name === 'org.checkerframework:checker-qual').map((p) => p.version), ['3.37.0', '3.42.0']);
  assert.deepEqual(c.fileErrors, []);
});

test('sad: malformed coordinates reported with line numbers', async () => {
  const c = ctx();
  const pkgs = await gradleLockfileExtractor.extract(file('gradle.lockfile', td('sad/malformed.gradle.lockfile')), c);
  assert.deepEqual(pkgs.map((p) => p.name), ['good.group:art']);
  assert.deepEqual(c.fileErrors.map((e) => e.message.split(' ')[0]), ['gradle.lockfile:1:', 'gradle.lockfile:3:']);
});
