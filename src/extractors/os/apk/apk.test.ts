import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runExtractor } from '../testutil.ts';
import { apkExtractor } from './index.ts';

const TESTDATA = new URL('./testdata/', import.meta.url).pathname;
const PATH = 'lib/apk/db/installed';
const ALPINE = { id: 'alpine', versionId: '3.18.4', ecosystem: 'Alpine:v3.18' };
const fixture = (p: string) => readFile(join(TESTDATA, p));

describe('os/apk', () => {
  it('fileRequired', () => {
    const info = { path: '', kind: 'file' as const, size: 1 };
    assert.equal(apkExtractor.fileRequired(PATH, info), true);
    assert.equal(apkExtractor.fileRequired('lib/apk/db/installed.old', info), false);
    assert.equal(apkExtractor.fileRequired('x/lib/apk/db/installed', info), false);
  });

  it('reads the installed database (happy)', async () => {
    const { packages, errors } = await runExtractor(apkExtractor, PATH, await fixture('happy/installed'), ALPINE);
    assert.deepEqual(errors, []);
    assert.deepEqual(packages.map((p) => `${p.name}=${p.version}/${p.sourceName}`), [
      'musl=1.1.14-r10/musl', 'zlib=1.2.8-r2/zlib', 'libssl1.0=1.0.2h-r1/openssl', 'scanelf=1.1.6-r0/pax-utils',
      'musl-utils=1.1.14-r10/musl', 'alpine-baselayout-data=3.4.3-r1/alpine-baselayout',
    ]);
    assert.deepEqual(packages[2], {
      ecosystem: 'Alpine:v3.18', name: 'libssl1.0', version: '1.0.2h-r1',
      purl: 'pkg:apk/alpine/libssl1.0@1.0.2h-r1?arch=x86_64&distro=alpine-3.18.4',
      sourceName: 'openssl', locations: [PATH], foundBy: 'os/apk', licenses: ['openssl'],
    });
    assert.deepEqual(packages[4].licenses, ['MIT BSD GPL2+']);
    assert.equal(packages[5].purl, 'pkg:apk/alpine/alpine-baselayout-data@3.4.3-r1?arch=noarch&distro=alpine-3.18.4');
  });

  it('without an OS: bare "Alpine" ecosystem; Wolfi namespace for Wolfi', async () => {
    const bytes = await fixture('happy/installed');
    const none = await runExtractor(apkExtractor, PATH, bytes);
    assert.equal(none.packages[0].ecosystem, 'Alpine');
    assert.equal(none.packages[0].purl, 'pkg:apk/alpine/musl@1.1.14-r10?arch=x86_64');
    const wolfi = await runExtractor(apkExtractor, PATH, bytes, { id: 'wolfi', versionId: '20230201', ecosystem: 'Wolfi' });
    assert.equal(wolfi.packages[0].ecosystem, 'Wolfi');
    assert.equal(wolfi.packages[0].purl, 'pkg:apk/wolfi/musl@1.1.14-r10?arch=x86_64&distro=wolfi-20230201');
  });

  it('reports bad blocks and keeps the rest (sad)', async () => {
    const { packages, errors } = await runExtractor(apkExtractor, PATH, await fixture('sad/installed'), ALPINE);
    assert.deepEqual(packages.map((p) => p.name), ['musl', 'zlib']);
    assert.deepEqual(errors.map((e) => e.message), [
      'line 8: package "invalidPackageWithoutAVersion" has no V: (version)',
      'line 10: package block has no P: (name)',
      'line 15: not an "X:value" line',
    ]);
    const bin = await runExtractor(apkExtractor, PATH, await fixture('sad/installed-binary'), ALPINE);
    assert.deepEqual(bin.packages, []);
    assert.equal(bin.errors.length, 1);
  });
});
