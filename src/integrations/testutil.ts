/**
 * A hand-built ScanResult for the integration tests (report, sbom, ignore): a Debian 11 image with
 * an npm and a Python app layer; findings of every severity, a malicious package, a suppressed
 * finding, a package without findings, a Debian package with an epoch. Versions and advisory ids
 * are real; the layers' digests are made up.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { Package, ScanFinding, ScanResult, Severity } from '../model/index.ts';

const LAYERS = [
  { index: 0, digest: 'sha256:1f1c1a34c5b0fcbbd8c1c4e4f1f4a44f77c06e7a4a7b0dd2e3f69b4bbf1f6a11', createdBy: '/bin/sh -c #(nop) ADD file:2c3a6b7e9b6c1d7f8e0a in / ' },
  { index: 1, digest: 'sha256:2b2d2e46d7c1fd0bd9d2d5f5a2a5b55a88d17f8b5b8c1ee3f4a7ac5ccb2a7b22', createdBy: 'RUN /bin/sh -c npm ci --omit=dev && pip install -r requirements.txt --target /app/venv # buildkit' },
];

/** The packages, in the order a scan might report them (not sorted: writers must sort). */
export function testPackages(): Package[] {
  return [
    {
      ecosystem: 'npm', name: 'lodash', version: '4.17.20', purl: 'pkg:npm/lodash@4.17.20',
      locations: ['/app/package-lock.json'], foundBy: 'javascript/package-lock', layer: LAYERS[1], licenses: ['MIT'],
    },
    {
      ecosystem: 'Debian:11', name: 'libssl1.1', version: '1.1.1n-0+deb11u3', sourceName: 'openssl',
      purl: 'pkg:deb/debian/libssl1.1@1.1.1n-0%2Bdeb11u3?arch=amd64&distro=debian-11',
      locations: ['/var/lib/dpkg/status'], foundBy: 'os/dpkg', layer: LAYERS[0],
    },
    {
      ecosystem: 'Debian:11', name: 'zlib1g', version: '1:1.2.11.dfsg-2+deb11u1', sourceName: 'zlib',
      purl: 'pkg:deb/debian/zlib1g@1%3A1.2.11.dfsg-2%2Bdeb11u1?arch=amd64&distro=debian-11',
      locations: ['/var/lib/dpkg/status'], foundBy: 'os/dpkg', layer: LAYERS[0], licenses: ['Zlib'],
    },
    {
      ecosystem: 'npm', name: 'flatmap-stream', version: '0.1.1', purl: 'pkg:npm/flatmap-stream@0.1.1',
      locations: ['/app/package-lock.json'], foundBy: 'javascript/package-lock', layer: LAYERS[1],
    },
    {
      ecosystem: 'PyPI', name: 'requests', version: '2.25.0', purl: 'pkg:pypi/requests@2.25.0',
      locations: ['/app/venv/requests-2.25.0.dist-info/METADATA'], foundBy: 'python/dist-info', layer: LAYERS[1],
      licenses: ['Apache 2.0'],
    },
    {
      ecosystem: 'npm', name: '@babel/traverse', version: '7.22.0', purl: 'pkg:npm/%40babel/traverse@7.22.0',
      locations: ['/app/package-lock.json'], foundBy: 'javascript/package-lock', layer: LAYERS[1], dev: true,
    },
    {
      ecosystem: 'npm', name: 'ms', version: '2.1.2', purl: 'pkg:npm/ms@2.1.2',
      locations: ['/app/package-lock.json', '/app/node_modules/ms/package.json'], foundBy: 'javascript/package-lock', layer: LAYERS[1],
    },
  ];
}

function finding(
  packages: Package[], pkgName: string, f: {
    type?: 'vulnerability' | 'malicious'; id: string; vulnerability: string; aliases?: string[]; severity: Severity;
    cvss?: ScanFinding['cvss']; fixed: string | null; summary?: string; suppressed?: ScanFinding['suppressed'];
  },
): ScanFinding {
  const packageIndex = packages.findIndex((p) => p.name === pkgName);
  const p = packages[packageIndex];
  return {
    type: f.type ?? 'vulnerability',
    id: f.id,
    vulnerability: f.vulnerability,
    aliases: f.aliases ?? [],
    summary: f.summary,
    severity: f.severity,
    cvss: f.cvss,
    packageIndex,
    installedVersion: p.version,
    fixedVersion: f.fixed,
    fixAvailable: f.fixed !== null,
    explanation: {
      record: f.id,
      searched: { ecosystem: p.ecosystem, name: p.sourceName ?? p.name, version: p.sourceVersion ?? p.version },
      scheme: p.ecosystem.startsWith('Debian') ? 'dpkg' : p.ecosystem === 'PyPI' ? 'pep440' : 'semver',
      hit: { by: 'range', range: 0, type: 'ECOSYSTEM', events: f.fixed ? [{ introduced: '0' }, { fixed: f.fixed }] : [{ introduced: '0' }] },
      fixed: f.fixed ? [f.fixed] : [],
      fixedBy: f.fixed ? f.id : null,
      fixAvailable: f.fixed !== null,
    },
    suppressed: f.suppressed,
    references: [`https://osv.dev/vulnerability/${f.id}`],
  };
}

/** The test scan: fixed createdAt, so every rendering is reproducible. */
export function testScanResult(): ScanResult {
  const packages = testPackages();
  const findings: ScanFinding[] = [
    finding(packages, 'lodash', {
      id: 'GHSA-35jh-r3h4-6jhm', vulnerability: 'CVE-2021-23337', aliases: ['CVE-2021-23337', 'GHSA-35jh-r3h4-6jhm'], severity: 'HIGH',
      cvss: { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H', score: 7.2, source: 'GHSA' },
      fixed: '4.17.21', summary: 'Command Injection in lodash',
    }),
    finding(packages, 'lodash', {
      id: 'GHSA-29mw-wpgm-hmr9', vulnerability: 'CVE-2020-28500', aliases: ['CVE-2020-28500', 'GHSA-29mw-wpgm-hmr9'], severity: 'MEDIUM',
      cvss: { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L', score: 5.3, source: 'GHSA' },
      fixed: '4.17.21', summary: 'Regular Expression Denial of Service (ReDoS) in lodash',
    }),
    finding(packages, 'zlib1g', {
      id: 'DSA-5218-1', vulnerability: 'CVE-2022-37434', aliases: ['CVE-2022-37434', 'DSA-5218-1'], severity: 'CRITICAL',
      cvss: { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 9.8, source: 'NVD' },
      fixed: '1:1.2.11.dfsg-2+deb11u2', summary: 'zlib: heap-based buffer over-read and overflow in inflate() via large gzip header extra field',
    }),
    finding(packages, 'libssl1.1', {
      id: 'DSA-5343-1', vulnerability: 'CVE-2023-0286', aliases: ['CVE-2023-0286', 'DSA-5343-1'], severity: 'HIGH',
      cvss: { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:H', score: 7.4, source: 'NVD' },
      fixed: '1.1.1n-0+deb11u4', summary: 'openssl: X.400 address type confusion in X.509 GeneralName',
    }),
    finding(packages, 'flatmap-stream', {
      type: 'malicious', id: 'MAL-2023-462', vulnerability: 'MAL-2023-462', severity: 'CRITICAL', fixed: null,
      summary: 'Malicious code in flatmap-stream (npm)',
    }),
    finding(packages, 'requests', {
      id: 'GHSA-j8r2-6x86-q33q', vulnerability: 'CVE-2023-32681', aliases: ['CVE-2023-32681', 'PYSEC-2023-74'], severity: 'MEDIUM',
      cvss: { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N', score: 6.1, source: 'GHSA' },
      fixed: '2.31.0', summary: 'Unintended leak of Proxy-Authorization header in requests',
    }),
    finding(packages, 'requests', {
      id: 'PYSEC-2014-13', vulnerability: 'CVE-2014-1830', aliases: ['CVE-2014-1830'], severity: 'UNKNOWN', fixed: null,
      summary: 'requests, "Proxy-Authorization", redirect',
    }),
    finding(packages, '@babel/traverse', {
      id: 'GHSA-67hx-6x53-jw92', vulnerability: 'CVE-2023-45133', aliases: ['CVE-2023-45133', 'GHSA-67hx-6x53-jw92'], severity: 'CRITICAL',
      cvss: { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H', score: 8.8, source: 'NVD' },
      fixed: '7.23.2', summary: 'Babel vulnerable to arbitrary code execution when compiling specifically crafted malicious code',
      suppressed: { reason: 'build-time only, never runs on untrusted input', source: 'testdata/ignore.yaml' },
    }),
  ];
  const idx = (n: string) => packages.findIndex((p) => p.name === n);
  return {
    schemaVersion: 1,
    tool: { name: 'vigil', version: '0.1.0' },
    createdAt: '2026-01-02T03:04:05.678Z',
    target: {
      kind: 'docker-archive', ref: 'bullseye-app.docker.tar',
      digest: 'sha256:9a9f0c1b2d3e4f5061728394a5b6c7d8e9f00112233445566778899aabbccdd',
      os: { id: 'debian', versionId: '11', prettyName: 'Debian GNU/Linux 11 (bullseye)', ecosystem: 'Debian:11' },
      layers: LAYERS, platform: 'linux/amd64',
    },
    packages,
    findings,
    unknown: [{ packageIndex: idx('requests'), id: 'PYSEC-2099-1', reason: 'GIT range without a known commit' }],
    errors: [{ path: '/app/broken/package-lock.json', rule: 'json', message: 'Unexpected end of JSON input' }],
    fixes: [
      { packageIndex: idx('lodash'), version: '4.17.21', closes: ['GHSA-29mw-wpgm-hmr9', 'GHSA-35jh-r3h4-6jhm'] },
      { packageIndex: idx('zlib1g'), version: '1:1.2.11.dfsg-2+deb11u2', closes: ['DSA-5218-1'] },
      { packageIndex: idx('libssl1.1'), version: '1.1.1n-0+deb11u4', closes: ['DSA-5343-1'] },
      { packageIndex: idx('flatmap-stream'), version: null, closes: [], reason: 'malicious package: remove it' },
      { packageIndex: idx('requests'), version: null, closes: ['GHSA-j8r2-6x86-q33q'], reason: 'PYSEC-2014-13 has no fixed version' },
      { packageIndex: idx('@babel/traverse'), version: '7.23.2', closes: ['GHSA-67hx-6x53-jw92'] },
    ],
  };
}

/**
 * Compares a golden file, or rewrites it when UPDATE_GOLDEN=1. Review every rewritten golden
 * file before committing it.
 */
export async function checkGolden(path: URL, actual: string): Promise<void> {
  if (process.env.UPDATE_GOLDEN === '1') {
    await mkdir(new URL('./', path), { recursive: true });
    await writeFile(path, actual);
    return;
  }
  const expected = await readFile(path, 'utf8').catch(() => {
    throw new Error(`golden file ${path.pathname} is missing: run with UPDATE_GOLDEN=1 and review it`);
  });
  assert.equal(actual, expected);
}
