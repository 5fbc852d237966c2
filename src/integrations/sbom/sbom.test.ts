import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { toCycloneDx, renderCycloneDx, toSpdx, renderSpdx, readSbom, purlToPackage } from './index.ts';
import { testScanResult, checkGolden } from '../testutil.ts';
import { createSchemaValidators, describeSchemaErrors } from '../schemas/index.ts';
import { VigilError, type Package } from '../../model/index.ts';

const validators = createSchemaValidators();
const data = (f: string) => readFileSync(new URL(`testdata/${f}`, import.meta.url));
const golden = (f: string) => new URL(`testdata/golden/${f}`, import.meta.url);
const key = (p: Package) => `${p.ecosystem}|${p.name}|${p.version}|${p.purl}`;

test('cyclonedx: valid 1.6 with and without VEX; golden', async () => {
  for (const vex of [false, true]) {
    const bom = toCycloneDx(testScanResult(), { vex });
    const validate = validators.cyclonedx('1.6');
    assert.ok(validate(bom), describeSchemaErrors(validate.errors));
    assert.equal('vulnerabilities' in bom, vex);
  }
  await checkGolden(golden('scan.cdx.json'), renderCycloneDx(testScanResult(), { vex: false }));
  await checkGolden(golden('scan.vex.cdx.json'), renderCycloneDx(testScanResult(), { vex: true }));
});

test('cyclonedx: VEX content', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const bom = toCycloneDx(testScanResult(), { vex: true }) as any;
  const v = Object.fromEntries(bom.vulnerabilities.map((x: { id: string }) => [x.id, x]));
  assert.deepEqual(v['CVE-2022-37434'].ratings, [{ source: { name: 'NVD' }, score: 9.8, severity: 'critical', method: 'CVSSv31', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }]);
  assert.equal(v['CVE-2022-37434'].affects[0].ref, 'pkg:deb/debian/zlib1g@1%3A1.2.11.dfsg-2%2Bdeb11u1?arch=amd64&distro=debian-11');
  assert.match(v['CVE-2022-37434'].recommendation, /zlib1g 1:1\.2\.11\.dfsg-2\+deb11u2/);
  assert.equal(v['CVE-2023-45133'].analysis.state, 'exploitable');
  assert.deepEqual(v['CVE-2023-45133'].analysis.response, ['will_not_fix']);
  assert.equal(v['CVE-2020-28500'].analysis, undefined);
  const refs = new Set(bom.components.map((c: { 'bom-ref': string }) => c['bom-ref']));
  for (const x of bom.vulnerabilities) for (const a of x.affects) assert.ok(refs.has(a.ref), a.ref);
  const lib = bom.components.find((c: { name: string }) => c.name === 'lodash');
  assert.ok(lib.properties.some((p: { name: string; value: string }) => p.name === 'vigil:layer:digest' && p.value.startsWith('sha256:2b2d')));
  assert.equal(bom.metadata.component.type, 'container');
  assert.equal(bom.components.find((c: { type: string }) => c.type === 'operating-system').name, 'debian');
});

test('spdx: valid 2.3; deterministic namespace; golden', async () => {
  const doc = toSpdx(testScanResult());
  const validate = validators.spdx23();
  assert.ok(validate(doc), describeSchemaErrors(validate.errors));
  const again = toSpdx({ ...testScanResult(), createdAt: '2027-01-01T00:00:00Z' });
  assert.equal(again.documentNamespace, doc.documentNamespace, 'namespace depends on target and digest only');
  const other = toSpdx({ ...testScanResult(), target: { ...testScanResult().target, digest: 'sha256:00' } });
  assert.notEqual(other.documentNamespace, doc.documentNamespace);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const pkgs = (doc as any).packages as { SPDXID: string; licenseDeclared: string; name: string }[];
  for (const p of pkgs) assert.match(p.SPDXID, /^SPDXRef-[A-Za-z0-9.-]+$/);
  assert.equal(pkgs.find((p) => p.name === 'requests')!.licenseDeclared, 'NOASSERTION', '"Apache 2.0" is not an SPDX id');
  assert.equal(pkgs.find((p) => p.name === 'zlib1g')!.licenseDeclared, 'Zlib');
  await checkGolden(golden('scan.spdx.json'), renderSpdx(testScanResult()));
});

test('round trip: ScanResult → CycloneDX → readSbom gives the same package set', () => {
  const r = testScanResult();
  const back = readSbom(renderCycloneDx(r, { vex: true }), 'scan.cdx.json', { validators });
  assert.deepEqual(back.packages.map(key).sort(), r.packages.map(key).sort());
  const lodash = back.packages.find((p) => p.name === 'lodash')!;
  assert.deepEqual(lodash.layer, r.packages[0].layer);
  assert.deepEqual(lodash.locations, ['/app/package-lock.json']);
  assert.equal(back.packages.find((p) => p.name === 'zlib1g')!.sourceName, 'zlib');
  assert.equal(back.packages.find((p) => p.name === '@babel/traverse')!.dev, true);
  assert.equal(back.target.ref, 'bullseye-app.docker.tar');
  assert.deepEqual(back.skipped, []);
});

test('round trip: ScanResult → SPDX → readSbom gives the same package set', () => {
  const r = testScanResult();
  const back = readSbom(renderSpdx(r), 'scan.spdx.json', { validators });
  assert.deepEqual(back.packages.map(key).sort(), r.packages.map(key).sort());
  assert.equal(back.target.ref, 'bullseye-app.docker.tar');
  assert.deepEqual(back.packages.find((p) => p.name === 'ms')!.locations, ['/app/node_modules/ms/package.json', '/app/package-lock.json']);
});

test('read: real cdxgen output, CycloneDX 1.4, 1.5 and 1.6', () => {
  for (const v of ['1.4', '1.5', '1.6']) {
    const inv = readSbom(data(`cdxgen-npm.cdx-${v}.json`), `cdxgen-npm.cdx-${v}.json`, { validators });
    assert.equal(inv.format, `CycloneDX ${v}`);
    assert.equal(inv.target.ref, 'sbom-peer-fixture');
    assert.deepEqual(inv.packages.map((p) => `${p.ecosystem}/${p.name}@${p.version}${p.dev ? ' dev' : ''}`).sort(), [
      'npm/@babel/helper-validator-identifier@7.22.20', 'npm/lodash@4.17.20', 'npm/minimist@1.2.5', 'npm/ms@2.1.2 dev',
    ]);
    assert.ok(inv.packages.every((p) => p.locations?.[0]?.endsWith('package-lock.json')));
  }
});

test('read: real Trivy (trivy-cdxgen) CycloneDX of the bullseye rootfs: Debian:11, epochs, source packages', () => {
  const inv = readSbom(data('trivy-bullseye-rootfs.cdx.json'), 'trivy-bullseye-rootfs.cdx.json', { validators });
  assert.equal(inv.target.os?.id, 'debian');
  const byName = Object.fromEntries(inv.packages.map((p) => [p.name, p]));
  assert.equal(byName.zlib1g.ecosystem, 'Debian:11');
  assert.equal(byName.zlib1g.version, '1:1.2.11.dfsg-2+deb11u2');
  assert.equal(byName.libc6.sourceName, 'glibc');
  assert.equal(inv.packages.length, 6);
});

test('purl → OSV ecosystem', () => {
  const cases: [string, string, string, string][] = [
    ['pkg:deb/debian/bash@5.1-2%2Bdeb11u1?arch=amd64&distro=debian-11.11', 'Debian:11', 'bash', '5.1-2+deb11u1'],
    ['pkg:deb/debian/x@1.0?distro=bookworm', 'Debian:12', 'x', '1.0'],
    ['pkg:deb/ubuntu/openssl@3.0.2-0ubuntu1.10?distro=ubuntu-22.04', 'Ubuntu:22.04:LTS', 'openssl', '3.0.2-0ubuntu1.10'],
    ['pkg:deb/ubuntu/openssl@3.0.10?distro=ubuntu-23.10', 'Ubuntu:23.10', 'openssl', '3.0.10'],
    ['pkg:apk/alpine/musl@1.2.4-r1?arch=x86_64&distro=alpine-3.18.4', 'Alpine:v3.18', 'musl', '1.2.4-r1'],
    ['pkg:rpm/almalinux/bash@5.1.8-6.el9?arch=x86_64&distro=almalinux-9&epoch=1', 'AlmaLinux:9', 'bash', '1:5.1.8-6.el9'],
    ['pkg:maven/org.apache.commons/commons-text@1.9', 'Maven', 'org.apache.commons:commons-text', '1.9'],
    ['pkg:pypi/requests@2.25.0', 'PyPI', 'requests', '2.25.0'],
    ['pkg:golang/github.com/pkg/errors@v0.9.1', 'Go', 'github.com/pkg/errors', 'v0.9.1'],
    ['pkg:cargo/smallvec@1.6.0', 'crates.io', 'smallvec', '1.6.0'],
    ['pkg:gem/rack@2.2.3', 'RubyGems', 'rack', '2.2.3'],
    ['pkg:composer/symfony/http-kernel@5.4.0', 'Packagist', 'symfony/http-kernel', '5.4.0'],
    ['pkg:nuget/Newtonsoft.Json@12.0.1', 'NuGet', 'Newtonsoft.Json', '12.0.1'],
    ['pkg:npm/%40babel/traverse@7.22.0', 'npm', '@babel/traverse', '7.22.0'],
    ['pkg:pub/http@0.13.3', 'Pub', 'http', '0.13.3'],
    ['pkg:hex/plug@1.8.3', 'Hex', 'plug', '1.8.3'],
    ['pkg:swift/github.com/apple/swift-nio@2.64.0', 'SwiftURL', 'github.com/apple/swift-nio', '2.64.0'],
    ['pkg:conan/openssl@3.1.0', 'ConanCenter', 'openssl', '3.1.0'],
    ['pkg:cocoapods/Alamofire@5.4.3', 'CocoaPods', 'Alamofire', '5.4.3'],
    // runtimes as Syft and Bitnami write them (src/extractors/runtime/README.md)
    ['pkg:generic/node@20.11.1', 'Bitnami', 'node', '20.11.1'],
    ['pkg:bitnami/node@20.11.1', 'Bitnami', 'node', '20.11.1'],
    ['pkg:generic/python@3.11.7', 'Bitnami', 'python', '3.11.7'],
    ['pkg:generic/oracle/openjdk@21.0.4%2B7-LTS?repository_url=https://github.com/adoptium/jdk21u.git', 'Bitnami', 'java', '21.0.4+7-LTS'],
    ['pkg:generic/go@1.21.5', 'Go', 'toolchain', '1.21.5'],
    ['pkg:generic/openssl@3.0.13', 'OpenSSL', 'openssl', '3.0.13'],
    // Syft's ruby binary classifier keeps the patchlevel ("ruby 3.1.2p20 (…)"): read as runtime/ruby names the release
    ['pkg:generic/ruby@3.1.2p20', 'Bitnami', 'ruby', '3.1.2'],
    ['pkg:generic/ruby@2.0.0p648', 'Bitnami', 'ruby', '2.0.0+p648'],
    ['pkg:bitnami/ruby@3.2.4', 'Bitnami', 'ruby', '3.2.4'],
  ];
  for (const [purl, ecosystem, name, version] of cases) assert.deepEqual(purlToPackage(purl), { ecosystem, name, version }, purl);
  assert.ok('error' in purlToPackage('pkg:generic/curl@8.0'));
  assert.ok('error' in purlToPackage('pkg:npm/lodash'));
  assert.deepEqual(purlToPackage('pkg:deb/debian/bash@5.1', { id: 'debian', version: '12.5' }), { ecosystem: 'Debian:12', name: 'bash', version: '5.1' });
});

test('sad: invalid SBOMs name the file and the rule', () => {
  const cases: [string, string][] = [
    ['not-json.txt', 'json'], ['bad-schema.cdx.json', 'cyclonedx-1.6-schema'], ['old-version.cdx.json', 'cyclonedx-version'],
    ['missing-fields.spdx.json', 'spdx-2.3-schema'],
  ];
  for (const [file, rule] of cases) {
    assert.throws(() => readSbom(data(file), file, { validators }), (e: unknown) => {
      assert.ok(e instanceof VigilError, String(e));
      assert.equal(e.rule, rule);
      assert.ok(e.message.includes(file), e.message);
      return true;
    });
  }
  assert.throws(() => readSbom('[1]', 'array.json', { validators }), /sbom-format/);
});

/** A CycloneDX 1.6 document whose components nest `depth` levels deep, written as text (JSON.stringify itself overflows on such values). */
function deepCycloneDx(depth: number): string {
  let s = '{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[';
  for (let i = 0; i < depth; i++) s += `{"type":"library","name":"n${i}","version":"1.0.${i}","purl":"pkg:npm/n${i}@1.0.${i}","components":[`;
  return `${s}{"type":"library","name":"leaf","version":"1.0.0","purl":"pkg:npm/leaf@1.0.0"}${']}'.repeat(depth)}]}`;
}

test('issue 13: a 3,000-deep CycloneDX components tree is read, not a stack overflow', () => {
  const r = readSbom(deepCycloneDx(3000), 'deep.cdx.json', { validators });
  assert.equal(r.packages.length, 3001);
  assert.equal(r.packages[0].name, 'n0');
  assert.equal(r.packages[3000].name, 'leaf');
});

test('deep SBOMs: the flat form is still validated; other deep nesting is refused by rule', () => {
  // a bad component at the bottom of a deep tree is still a schema error
  const bad = deepCycloneDx(400).replace('"purl":"pkg:npm/leaf@1.0.0"', '"purl":42');
  assert.throws(() => readSbom(bad, 'bad-deep.cdx.json', { validators }), (e: unknown) => e instanceof VigilError && e.rule === 'cyclonedx-1.6-schema');
  // duplicate components are still refused (uniqueItems, now checked in one pass)
  const c = '{"type":"library","name":"a","version":"1","purl":"pkg:npm/a@1"}';
  assert.throws(() => readSbom(`{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[${c},${c}]}`, 'dup.cdx.json', { validators }), /cyclonedx-1.6-schema/);
  // deep nesting where the schema has no tree: refused with a clear rule
  const deepProps = `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"metadata":{"tools":${'['.repeat(5000)}${']'.repeat(5000)}}}`;
  assert.throws(() => readSbom(deepProps, 'deep-tools.cdx.json', { validators }), (e: unknown) => e instanceof VigilError && e.rule === 'nesting-depth' && e.message.includes('deep-tools.cdx.json'));
  const deepSpdx = `{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","name":"x","packages":${'['.repeat(5000)}${']'.repeat(5000)}}`;
  assert.throws(() => readSbom(deepSpdx, 'deep.spdx.json', { validators }), (e: unknown) => e instanceof VigilError && e.rule === 'nesting-depth');
});

test('fuzz regression: a specVersion that is an object with its own toString is a clear error, not a TypeError', () => {
  const doc = '{"bomFormat":"CycloneDX","specVersion":{"toString":1,"valueOf":1},"version":1}';
  assert.throws(() => readSbom(doc, 'odd.cdx.json', { validators }), (e: unknown) => e instanceof VigilError && e.rule === 'cyclonedx-version');
});
