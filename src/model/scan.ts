/**
 * A scan's result: the target, its inventory, and the findings matching produced. Every output
 * format (table, JSON, SARIF, CycloneDX with VEX, SPDX, CSV) is a rendering of this one shape.
 */
import type { Package, LayerRef } from './package.ts';

export type Severity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'NONE' | 'UNKNOWN';
export const SEVERITY_ORDER: readonly Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'NONE', 'UNKNOWN'];

export interface ScanTarget {
  /** dir, rootfs, oci-layout, docker-archive, registry, zip, git, sbom */
  kind: string;
  /** what the user named: a path, an image reference, a URL */
  ref: string;
  /** image manifest digest, git commit, archive sha256 */
  digest?: string;
  os?: { id: string; versionId?: string; prettyName?: string; ecosystem?: string };
  layers?: LayerRef[];
  platform?: string;
}

/** Why a package is affected, as matching recorded it (see src/matching MatchDetail). */
export interface FindingExplanation {
  record: string;
  searched: { ecosystem: string; name: string; version: string };
  scheme: string;
  hit: { by: 'versions'; version: string } | { by: 'range'; range: number; type: string; events: Record<string, string>[] };
  fixed: string[];
  fixedBy: string | null;
  fixAvailable: boolean;
  status?: string;
  skipped?: { index: number; type: string; reason: string }[];
}

export interface ScanFinding {
  type: 'vulnerability' | 'malicious';
  /** the advisory record that matched (GHSA-…, PYSEC-…, DSA-…, MAL-…) */
  id: string;
  /** the vulnerability it belongs to (the alias group's id, a CVE when there is one) */
  vulnerability: string;
  aliases: string[];
  summary?: string;
  severity: Severity;
  cvss?: { version: string; vector: string; score: number; source: string };
  kev?: boolean;
  /** index into ScanResult.packages */
  packageIndex: number;
  installedVersion: string;
  /** the fixed version closing this advisory for the installed version, if any */
  fixedVersion: string | null;
  fixAvailable: boolean;
  explanation: FindingExplanation;
  /** set when an ignore file or rule suppressed it: shown with --show-suppressed, not counted for exit codes */
  suppressed?: { reason: string; source: string };
  references?: string[];
}

export interface ScanResult {
  schemaVersion: 1;
  tool: { name: 'vigil'; version: string };
  /** ISO time; injectable for reproducible output */
  createdAt: string;
  target: ScanTarget;
  packages: Package[];
  findings: ScanFinding[];
  /** advisories whose verdict could not be decided, and why */
  unknown: { packageIndex: number; id: string; reason: string }[];
  /** per-file problems met while collecting (hostile entries, unparseable lockfiles) */
  errors: { path: string; rule: string; message: string }[];
  /** fix guidance per package index: the smallest version closing every open advisory */
  fixes: { packageIndex: number; version: string | null; closes: string[]; reason?: string }[];
}
