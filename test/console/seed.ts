/**
 * The console tests' data: an organization with a delegated admin and two member accounts, images
 * (with layers and their `created_by`, tags), hosts, a function and a code repository, scanned the
 * way the scanner scans — a small advisory set (OSV records with CVSS vectors, aliases, fixes, and a
 * KEV catalog) imported with the real importer, inventories matched with the real matcher, results
 * stored through the real lifecycle (recordScan) — so every page has findings of every severity,
 * with and without fixes, known exploited or not, new in the last 24 hours or older, plus resources
 * not scanned yet and daily snapshots for the trend.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildScanResult, loadAdvisoryContext, recordScan, registerResource, setCoverage, takeDailySnapshot } from '../../src/findings/index.ts';
import type { ResourceInput } from '../../src/findings/types.ts';
import { silentLogger } from '../../src/log.ts';
import { matchInventory } from '../../src/matching/index.ts';
import type { OsvRecord, Package } from '../../src/model/index.ts';
import { bootstrap } from '../../src/server/bootstrap.ts';
import * as repo from '../../src/server/tenancy/repo.ts';
import type { Store } from '../../src/store/index.ts';
import { createTarget } from '../../src/engine/index.ts';
import { importInputs } from '../../src/vulndb/import.ts';
import { packageLookup } from '../../src/vulndb/query.ts';

const CRIT = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'; // 9.8
const HIGH = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N'; // 7.5
const MED = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N'; // 5.3
const LOW = 'CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N'; // 1.8

function osv(id: string, ecosystem: string, name: string, fixed: string | null, vector: string | null, over: Partial<OsvRecord> = {}): OsvRecord {
  return {
    schema_version: '1.6.0', id, modified: '2025-01-15T00:00:00Z', published: '2024-11-02T00:00:00Z',
    summary: `${name}: ${over.summary ?? 'vulnerability'}`,
    details: `A flaw in ${name} lets a remote attacker ${over.details ?? 'affect the service'}. Upgrade ${name}${fixed ? ` to ${fixed} or later` : ' when a fix is published'}.`,
    affected: [{ package: { ecosystem, name }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, ...(fixed ? [{ fixed }] : [])] }] }],
    ...(vector ? { severity: [{ type: 'CVSS_V3', score: vector }] } : {}),
    references: [{ type: 'ADVISORY', url: `https://advisories.example.test/${id}` }, { type: 'WEB', url: `https://nvd.example.test/${over.aliases?.[0] ?? id}` }],
    ...Object.fromEntries(Object.entries(over).filter(([k]) => k !== 'summary' && k !== 'details')),
  };
}

/** The advisories: 12 records over npm, PyPI, Go, Maven and Debian 12. */
export const ADVISORIES: OsvRecord[] = [
  osv('GHSA-jfh8-c2jp-5v3q', 'Maven', 'org.apache.logging.log4j:log4j-core', '2.15.0', CRIT, { aliases: ['CVE-2021-44228'], summary: 'remote code execution through JNDI lookups', details: 'run arbitrary code through crafted log messages' }),
  osv('GHSA-35jh-r3h4-6jhm', 'npm', 'lodash', '4.17.21', HIGH, { aliases: ['CVE-2021-23337'], summary: 'command injection in template', details: 'inject commands through template options' }),
  osv('GHSA-xvch-5gv4-984h', 'npm', 'minimist', '1.2.6', CRIT, { aliases: ['CVE-2021-44906'], summary: 'prototype pollution', details: 'pollute object prototypes' }),
  osv('GHSA-p6mc-m468-83gw', 'npm', 'lodash', '4.17.19', HIGH, { aliases: ['CVE-2020-8203'], summary: 'prototype pollution in zipObjectDeep' }),
  osv('PYSEC-2023-74', 'PyPI', 'requests', '2.31.0', MED, { aliases: ['CVE-2023-32681', 'GHSA-j8r2-6x86-q33q'], summary: 'Proxy-Authorization header leak on redirect', details: 'read proxy credentials' }),
  osv('GHSA-v845-jxx5-vc9f', 'PyPI', 'urllib3', '1.26.17', MED, { aliases: ['CVE-2023-43804'], summary: 'cookie header kept on cross-origin redirects' }),
  osv('GO-2023-2102', 'Go', 'golang.org/x/net', '0.17.0', HIGH, { aliases: ['CVE-2023-44487', 'GHSA-qppj-fm5r-hxr3'], summary: 'HTTP/2 rapid reset can cause excessive work', details: 'exhaust the server with stream resets' }),
  osv('DSA-5532-1', 'Debian:12', 'openssl', '3.0.11-1~deb12u2', HIGH, { upstream: ['CVE-2023-5363'], summary: 'incorrect cipher key and IV length processing' }),
  osv('DSA-5514-1', 'Debian:12', 'glibc', '2.36-9+deb12u3', HIGH, { upstream: ['CVE-2023-4911'], summary: 'buffer overflow in the dynamic loader (Looney Tunables)', details: 'gain root privileges' }),
  osv('DEBIAN-CVE-2023-45853', 'Debian:12', 'zlib', null, CRIT, { upstream: ['CVE-2023-45853'], summary: 'integer overflow in MiniZip zipOpenNewFileInZip4_64' }),
  osv('DSA-5518-1', 'Debian:12', 'curl', '7.88.1-10+deb12u4', HIGH, { upstream: ['CVE-2023-38545'], summary: 'SOCKS5 heap buffer overflow' }),
  osv('DEBIAN-CVE-2022-3715', 'Debian:12', 'bash', null, LOW, { upstream: ['CVE-2022-3715'], summary: 'heap buffer overflow in valid_parameter_transform' }),
];

/** A KEV catalog naming three of them (the importer reads the CISA catalog format). */
const KEV = {
  title: 'CISA Catalog of Known Exploited Vulnerabilities', catalogVersion: '2025.01.15', dateReleased: '2025-01-15T00:00:00.000Z', count: 3,
  vulnerabilities: [
    ['CVE-2021-44228', 'Apache', 'Log4j2', '2021-12-10', 'Known'],
    ['CVE-2023-44487', 'IETF', 'HTTP/2', '2023-10-10', 'Unknown'],
    ['CVE-2023-4911', 'GNU', 'GNU C Library', '2023-11-21', 'Unknown'],
  ].map(([cveID, vendorProject, product, dateAdded, ransomware]) => ({
    cveID, vendorProject, product, vulnerabilityName: `${product} vulnerability`, dateAdded, shortDescription: `${product} contains a vulnerability.`,
    requiredAction: 'Apply mitigations per vendor instructions.', dueDate: dateAdded, knownRansomwareCampaignUse: ransomware, notes: '', cwes: [],
  })),
};

const BASE = { index: 0, digest: 'sha256:5d0da3dc976460b72c77d94c8a1ad043720b0416bfc16c52c45d4847e53fadb6', createdBy: '/bin/sh -c #(nop) ADD file:4b03b5f551e3fbdf47ec609712007327828f7530cc3455c43bbcdcaf449a75a9 in / ' };
const APP = { index: 3, digest: 'sha256:a1f1c0ed0b5a8c59a2f1b8c7d1e0f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0', createdBy: 'RUN /bin/sh -c npm ci --omit=dev # buildkit' };
const JAR = { index: 4, digest: 'sha256:b2e2d1fe1c6b9d6ab3f2c9d8e2f1a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1', createdBy: 'COPY target/app.jar /app/app.jar # buildkit' };

const deb = (name: string, version: string, layer = BASE): Package => ({ ecosystem: 'Debian:12', name, version, locations: ['/var/lib/dpkg/status'], layer, foundBy: 'os/dpkg' });
const npm = (name: string, version: string, layer: typeof APP | null = APP): Package => ({ ecosystem: 'npm', name, version, purl: `pkg:npm/${name}@${version}`, locations: [`/app/node_modules/${name}/package.json`], ...(layer ? { layer } : {}), foundBy: 'javascript/package-lock' });
const pypi = (name: string, version: string): Package => ({ ecosystem: 'PyPI', name, version, purl: `pkg:pypi/${name}@${version}`, locations: ['/srv/requirements.txt'], foundBy: 'python/requirements' });
const OS = () => [deb('openssl', '3.0.9-1'), deb('glibc', '2.36-9+deb12u1'), deb('zlib', '1:1.2.13.dfsg-1'), deb('curl', '7.88.1-10+deb12u1'), deb('bash', '5.2.15-2+b2')];

export interface Seeded {
  organizationId: string;
  /** keys by role on the delegated admin's account */
  keys: { admin: string; analyst: string; readOnly: string };
  accounts: { admin: string; payments: string; web: string };
  /** a scanned image of the delegated admin's account, with layers and tags */
  imageId: string;
  /** a finding on that image (CRITICAL, known exploited, with a fix) */
  findingId: string;
  /** a vulnerability the seed's advisories describe */
  vulnerabilityId: string;
  /** a registered registry target (no network: polling off) */
  target: { kind: 'registry'; id: string };
}

/**
 * Fills a fresh store with the console tests' data (see the file comment); `now` is the real clock,
 * so that "new in the last 24 hours" has findings.
 */
export async function seedConsole(store: Store, now = new Date()): Promise<Seeded> {
  const log = silentLogger();
  const dir = mkdtempSync(join(tmpdir(), 'vigil-console-seed-'));
  try {
    mkdirSync(join(dir, 'osv'));
    mkdirSync(join(dir, 'kev'));
    for (const r of ADVISORIES) writeFileSync(join(dir, 'osv', `${r.id}.json`), JSON.stringify(r));
    writeFileSync(join(dir, 'kev', 'known_exploited_vulnerabilities.json'), JSON.stringify(KEV));
    await importInputs([dir], { store, log, now: () => new Date(now.getTime() - 10 * 86_400_000) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const b = await bootstrap(store, { organizationName: 'Acme' });
  if (!b) throw new Error('seedConsole needs a fresh store (bootstrap already ran)');
  const admin = b.delegatedAdmin.id;
  const payments = (await repo.createAccount(store.db, b.organization.id, 'payments')).id;
  const web = (await repo.createAccount(store.db, b.organization.id, 'web')).id;
  const keys = {
    admin: b.key,
    analyst: (await repo.createApiKey(store.db, admin, 'analyst (console tests)', 'analyst')).key,
    readOnly: (await repo.createApiKey(store.db, admin, 'read-only (console tests)', 'read-only')).key,
  };

  const lookup = packageLookup(store);
  const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);
  const scan = async (accountId: string, resource: ResourceInput, packages: Package[], at: Date) => {
    const report = await matchInventory(packages, lookup);
    const ctx = await loadAdvisoryContext(store, report.packages.flatMap((p) => p.matches.map((m) => m.id)));
    const layers = [...new Map(packages.flatMap((p) => (p.layer ? [[p.layer.digest, p.layer] as const] : []))).values()].sort((a, b) => a.index - b.index);
    const target = { kind: resource.type === 'image' ? 'registry' : resource.type === 'repository' ? 'git' : 'rootfs', ref: resource.ref ?? resource.name, ...(resource.digest ? { digest: resource.digest } : {}), ...(layers.length ? { layers } : {}) };
    const result = buildScanResult({ target, packages, errors: [], report, ctx, createdAt: at.toISOString(), version: 'console-tests' });
    return (await recordScan(store, { accountId, resource, result, now: at })).resourceId;
  };

  // the delegated admin's image: scanned 3 days ago, then an hour ago with log4j added (new findings)
  const api = { type: 'image' as const, name: 'registry.acme.test/payments/api', ref: 'registry.acme.test/payments/api:1.4.2', digest: 'sha256:1c1e4f0a9d2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5', tags: ['latest', '1.4.2', 'env=prod'] };
  const apiPkgs = [...OS(), npm('lodash', '4.17.15'), npm('minimist', '1.2.5'), npm('express', '4.18.2')];
  const imageId = await scan(admin, api, apiPkgs, hoursAgo(72));
  await scan(admin, api, [...apiPkgs, { ecosystem: 'Maven', name: 'org.apache.logging.log4j:log4j-core', version: '2.14.1', purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1', locations: ['/app/app.jar'], layer: JAR, foundBy: 'java/archive' }], hoursAgo(1));
  await scan(admin, { type: 'host', name: 'db-1.acme.test' }, OS(), hoursAgo(30));
  await scan(admin, { type: 'repository', name: 'https://git.acme.test/web/storefront.git', ref: 'main' }, [pypi('requests', '2.28.1'), pypi('urllib3', '1.26.12'), { ecosystem: 'Go', name: 'golang.org/x/net', version: '0.10.0', locations: ['/go.mod'], foundBy: 'go/mod' }], hoursAgo(5));
  await scan(admin, { type: 'function', name: 'checkout-handler', ref: 'checkout-handler:7' }, [npm('lodash', '4.17.20', null), npm('minimist', '1.2.8', null)], hoursAgo(50));
  // the members: an image and a host
  await scan(payments, { type: 'image', name: 'registry.acme.test/payments/worker', ref: 'registry.acme.test/payments/worker:2.0.0', digest: 'sha256:2d2f5a1b0e3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6', tags: ['2.0.0'] }, [...OS(), npm('lodash', '4.17.15')], hoursAgo(20));
  await scan(web, { type: 'host', name: 'web-2.acme.test' }, [deb('openssl', '3.0.11-1~deb12u2'), deb('curl', '7.88.1-10+deb12u1'), deb('bash', '5.2.15-2+b2')], hoursAgo(100));
  // not scanned: one waiting for its first scan, one that cannot be scanned
  await registerResource(store, admin, { type: 'function', name: 'nightly-report' }, hoursAgo(2));
  const legacy = await registerResource(store, payments, { type: 'host', name: 'legacy-1.acme.test' }, hoursAgo(200));
  await setCoverage(store, { accountId: payments, resourceId: legacy, status: 'INACTIVE', reason: 'UNREACHABLE', now: hoursAgo(199) });

  // the trend: snapshots of the last days (what the daily job leaves)
  for (let d = 3; d >= 0; d--) await takeDailySnapshot(store, new Date(now.getTime() - d * 86_400_000).toISOString().slice(0, 10));

  const f = await store.db.selectFrom('findings').select(['id', 'vulnerability_id']).where('resource_id', '=', imageId).where('status', '=', 'ACTIVE')
    .where('severity', '=', 'CRITICAL').where('exploit_available', '=', 1).where('package_name', '=', 'org.apache.logging.log4j:log4j-core').orderBy('id').executeTakeFirstOrThrow();
  const t = await createTarget(store, { accountId: admin, kind: 'registry', config: { url: 'http://127.0.0.1:1', pollSeconds: 0 } }, now);
  return { organizationId: b.organization.id, keys, accounts: { admin, payments, web }, imageId, findingId: f.id, vulnerabilityId: f.vulnerability_id, target: { kind: 'registry', id: t.id } };
}
