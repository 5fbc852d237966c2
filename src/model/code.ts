/**
 * Issue 17: the two finding types over files rather than packages — hardcoded secrets (SECRET) and
 * code flaws found by taint analysis (CODE_VULNERABILITY). Types only: the detectors are
 * src/detectors/secrets and src/detectors/code; every output format renders these shapes.
 */
import type { LayerRef } from './package.ts';
import type { Severity } from './scan.ts';

/** Where a finding is: a file of the target (its path as the scan names it), a line and column (1-based). */
export interface CodeLocation {
  path: string;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  /** the image layer that brought the file */
  layer?: LayerRef;
  /** a secret found in a repository's history: the commit that added it (it may be gone from HEAD) */
  commit?: { id: string; author: string; date: string; /** still in the checked-out tree */ inHead: boolean };
}

/**
 * A hardcoded secret. The secret itself is never kept: `prefix` (at most its first 4 characters, or
 * the provider's fixed prefix and 4 more) and `hash` (sha256 of the whole secret, hex) identify it,
 * and `snippet` is the line with the secret masked.
 */
export interface SecretFinding {
  type: 'secret';
  /** the rule that matched: "aws-access-key-id", "github-pat-fine-grained", "private-key-openssh", "generic-high-entropy", … */
  rule: string;
  /** who issues it: "AWS", "GitHub", "Slack", … ("generic" for entropy-judged assignments) */
  provider: string;
  title: string;
  severity: Severity;
  location: CodeLocation;
  secret: { prefix: string; hash: string; length: number };
  /** the line, the secret replaced by `prefix` and `*` */
  snippet: string;
  /** how sure: a checksum or structure verified ("verified"), a provider format ("format"), entropy in context ("entropy") */
  confidence: 'verified' | 'format' | 'entropy';
  /** e.g. "paired with the AWS secret access key on line 4" */
  note?: string;
  /** set when an ignore file or an inline `vigil:ignore` suppressed it */
  suppressed?: { reason: string; source: string };
}

/** One step of a taint trace: where tainted data came from, went through, and ended. */
export interface TraceStep {
  kind: 'source' | 'propagation' | 'call' | 'sink';
  location: CodeLocation;
  /** "request.args['cmd'] (Flask request)", "passed to run_command(cmd)", "os.system(cmd)" */
  label: string;
}

/** A flaw in source code (Python, JavaScript/TypeScript). */
export interface CodeFinding {
  type: 'code';
  /** "python/command-injection", "js/sql-injection", "python/weak-hash", … */
  rule: string;
  language: 'python' | 'javascript' | 'typescript';
  /** ["CWE-78"] */
  cwe: string[];
  title: string;
  severity: Severity;
  location: CodeLocation;
  /** the source line(s) of the sink, as written */
  snippet: string;
  /** source → … → sink; empty for flaws that need no taint (weak hash, TLS verification off, hardcoded credential) */
  trace: TraceStep[];
  remediation: string;
  /** a mechanical fix, when there is one: the text to put in place of the snippet's range */
  fix?: { description: string; replacement?: string };
  /** flows only: whether the trace starts at a request or event (remote) or at the machine itself — environment, files, command line (local) */
  source?: 'remote' | 'local';
  suppressed?: { reason: string; source: string };
}

/** The scanners `--scanners` takes: vuln (packages × advisories), malware (malicious packages), secret, code. */
export const SCANNERS = ['vuln', 'malware', 'secret', 'code'] as const;
export type ScannerName = (typeof SCANNERS)[number];
