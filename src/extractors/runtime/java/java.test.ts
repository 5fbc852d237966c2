import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { extractCtx, scanFile, testdata } from '../../testkit.ts';
import { firstExisting, realFile } from '../testutil.ts';
import { javaExtractor, parseRelease } from './index.ts';

const td = testdata(import.meta.url);
const f = (size: number) => ({ path: '', kind: 'file' as const, size });

test('fileRequired: <home>/bin/java, and release files (kept for the launcher)', () => {
  assert.ok(javaExtractor.fileRequired('opt/java/openjdk/bin/java', f(16000)));
  assert.ok(javaExtractor.fileRequired('opt/java/openjdk/release', f(1500)));
  assert.ok(!javaExtractor.fileRequired('usr/share/java/java', f(16000)));
  assert.ok(!javaExtractor.fileRequired('opt/app/release', f(1 << 20)));
});

test('happy: the launcher\'s own version string', async () => {
  const [p] = await javaExtractor.extract(scanFile('opt/java/openjdk/bin/java', td('happy/launcher-21.bin')), extractCtx());
  assert.deepEqual(p, { ecosystem: 'Bitnami', name: 'java', version: '21.0.2+13-LTS', purl: 'pkg:generic/oracle/openjdk@21.0.2+13-LTS', locations: ['opt/java/openjdk/bin/java'], foundBy: 'runtime/java' });
});

test('happy: a launcher without one reads the release file (a Java 8 JRE inside its JDK)', async () => {
  const ctx = extractCtx({ 'opt/jdk8/release': td('happy/jdk8-release') });
  const [p] = await javaExtractor.extract(scanFile('opt/jdk8/jre/bin/java', td('sad/java-wrapper.sh')), ctx);
  assert.equal(p.version, '1.8.0_402-b06');
  assert.equal(parseRelease(td('happy/jdk8-release').toString()).IMPLEMENTOR, 'Eclipse Adoptium');
});

test('sad: a wrapper script with no release file gives nothing; a release file alone gives nothing', async () => {
  assert.deepEqual(await javaExtractor.extract(scanFile('usr/local/bin/java', td('sad/java-wrapper.sh')), extractCtx()), []);
  assert.deepEqual(await javaExtractor.extract(scanFile('opt/jdk8/release', td('happy/jdk8-release')), extractCtx()), []);
});

// Debian's OpenJDK 17 and an Eclipse Temurin JDK (as eclipse-temurin images ship it in /opt/java/openjdk)
for (const home of ['/usr/lib/jvm/java-17-openjdk-amd64', '/usr/lib/jvm/temurin-25-jdk-amd64']) {
  const java = firstExisting(`${home}/bin/java`);
  test(`real: ${home}/bin/java gives its release file's JAVA_RUNTIME_VERSION`, { skip: !java && `no ${home}` }, async () => {
    const want = parseRelease(readFileSync(`${home}/release`, 'utf8')).JAVA_RUNTIME_VERSION;
    const [p] = await javaExtractor.extract(realFile(java!, 'opt/java/openjdk/bin/java'), extractCtx());
    assert.equal(p.version, want);
  });
}
