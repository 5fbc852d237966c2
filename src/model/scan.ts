/**
 * A scan's result: the target, its inventory, and the findings matching produced. Every output
 * format (table, JSON, SARIF, CycloneDX with VEX, SPDX, CSV) is a rendering of this one shape.
 */
import type { Package, LayerRef } from './package.ts';
import type { VigilScoring } from './scoring.ts';
import type { CodeFinding, SecretFinding } from './code.ts';

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
  /** the Vigil score: base, adjustments, score and severity (`severity` above is its severity) */
  scoring?: VigilScoring;
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
  /** per-file problems met while collecting (hostile entries, unparseable lockfiles); `count`: this record stands for that many */
  errors: { path: string; rule: string; message: string; count?: number }[];
  /**
   * Present when files were skipped for a limit (SKIP_RULES: a decompression bomb, a file too
   * large, entries over the archive limits, …): the packages found are complete only for what was read.
   */
  partial?: SkippedSummary;
  /** fix guidance per package index: the smallest version closing every open advisory */
  fixes: { packageIndex: number; version: string | null; closes: string[]; reason?: string }[];
  /** issue 17: hardcoded secrets (`--scanners secret`); absent when that scanner did not run */
  secrets?: SecretFinding[];
  /** issue 17: code flaws (`--scanners code`); absent when that scanner did not run */
  code?: CodeFinding[];
}

/**
 * Rules that mean "content was there and was not read because of a limit": a scan that recorded
 * one is partial. Hostile entries that no real filesystem would hold (path traversal, devices) and
 * files that were read but not understood (parse errors) are not in this list.
 */
export const SKIP_RULES: ReadonlySet<string> = new Set([
  'decompression-bomb',
  'file-too-large',
  'too-many-entries',
  'too-many-name-bytes',
  'name-too-long',
  'total-too-large',
  'overlapping-entries',
  'nesting-too-deep',
  'nested-too-large',
  // host deep inspection (issue 20, src/sources/ssh/deep.ts DEEP_RULES): language packages not all looked at
  'deep-inspection-files',
  'deep-inspection-bytes',
  'deep-inspection-time',
  'deep-inspection-entries',
  'deep-inspection-unavailable',
]);

/** How many files a scan skipped for limits, by rule, with a few examples (path and rule). */
export interface SkippedSummary {
  /** files (and entries) skipped */
  skipped: number;
  rules: Record<string, number>;
  /** the first few skipped: path, rule, and how many it stands for when more than one */
  examples: { path: string; rule: string; count?: number }[];
}

/** Sums the limit-rule errors (an error with `count` stands for that many). Null when nothing was skipped. */
export function summarizeSkipped(errors: readonly { path: string; rule: string; count?: number }[], examples = 5): SkippedSummary | null {
  let count = 0;
  const rules: Record<string, number> = {};
  const ex: SkippedSummary['examples'] = [];
  for (const e of errors) {
    if (!SKIP_RULES.has(e.rule)) continue;
    const n = e.count ?? 1;
    count += n;
    rules[e.rule] = (rules[e.rule] ?? 0) + n;
    if (ex.length < examples) ex.push({ path: e.path, rule: e.rule, ...(n > 1 ? { count: n } : {}) });
  }
  return count === 0 ? null : { skipped: count, rules, examples: ex };
}
