/**
 * Scan results written out by hand, for tests of what reads findings (the API, the tenancy
 * harness): `recordScan` stores them through the real lifecycle, so the rows, events and coverage
 * are exactly what a scan leaves.
 */
import type { ScanFinding, ScanResult, Severity } from '../../src/model/index.ts';

export interface PkgSpec { ecosystem: string; name: string; version: string; location?: string; layer?: string }
export interface VulnSpec {
  /** index into the packages */
  pkg: number;
  /** the advisory id */
  id: string;
  /** the alias group id (default: the advisory id) */
  vulnerability?: string;
  aliases?: string[];
  severity: Severity;
  score?: number;
  fixed?: string;
  kev?: boolean;
  malicious?: boolean;
}

export function scanResultOf(packages: PkgSpec[], vulns: VulnSpec[], createdAt = '2025-03-01T00:00:00.000Z'): ScanResult {
  const findings: ScanFinding[] = vulns.map((v) => {
    const p = packages[v.pkg];
    return {
      type: v.malicious ? 'malicious' : 'vulnerability', id: v.id, vulnerability: v.vulnerability ?? v.id, aliases: v.aliases ?? [],
      summary: `summary of ${v.id}`, severity: v.severity,
      ...(v.score !== undefined ? { cvss: { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: v.score, source: 'test' } } : {}),
      ...(v.kev ? { kev: true } : {}),
      packageIndex: v.pkg, installedVersion: p.version, fixedVersion: v.fixed ?? null, fixAvailable: v.fixed !== undefined,
      explanation: {
        record: v.id, searched: { ecosystem: p.ecosystem, name: p.name, version: p.version }, scheme: 'semver',
        hit: { by: 'range', range: 0, type: 'ECOSYSTEM', events: [{ introduced: '0' }, ...(v.fixed ? [{ fixed: v.fixed }] : [])] as Record<string, string>[] },
        fixed: v.fixed ? [v.fixed] : [], fixedBy: v.fixed ?? null, fixAvailable: v.fixed !== undefined,
      },
      references: [`https://example.test/${v.id}`],
    };
  });
  return {
    schemaVersion: 1, tool: { name: 'vigil', version: 'test' }, createdAt, target: { kind: 'rootfs', ref: 'test' },
    packages: packages.map((p) => ({
      ecosystem: p.ecosystem, name: p.name, version: p.version, locations: [p.location ?? '/app/lock'],
      ...(p.layer ? { layer: { index: 0, digest: p.layer } } : {}),
    })),
    findings, unknown: [], errors: [], fixes: [],
  };
}
