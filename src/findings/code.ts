/**
 * SECRET and CODE_VULNERABILITY findings (issue 17): what the secrets scanner (src/detectors/secrets)
 * and the SAST analysers (src/detectors/code) found in a resource's files become findings of type
 * `secret` and `code_vulnerability` in the same table, lifecycle, suppression rules and events as
 * package findings. A scan writes them with its package findings, in its transaction
 * (findings/record.ts); rematches never touch them (they do not depend on advisories).
 *
 * Identity (the finding key's "package" part):
 * - a secret: its rule, the sha256 of the secret and the file — the same secret moved to another
 *   line is the same finding; the same secret in another file is another one;
 * - a code flaw: its rule, the file and a hash of the sink's snippet (whitespace-normalized), with
 *   an occurrence index among equal snippets — code added above it does not make it a new finding.
 *
 * Columns: vulnerability_id is the CWE (CWE-798 for every secret), advisory_id the detector rule
 * ("secret/aws-access-key-id", "python/command-injection"), package_name the file, package_version
 * the commit that added a secret found in git history, package_layer the image layer. The details
 * hold the detector's finding (never the secret: prefix, hash and a masked line) and the score.
 *
 * Scored by formula `vigil-code-1` ({@link codeScore}, published in docs/scoring.md).
 */
import { hash } from 'node:crypto';
import { severityFromScore, type CodeFinding, type CodeScoringInputs, type ScoreAdjustment, type SecretFinding, type Severity, type VigilScoring } from '../model/index.ts';
import { stateHashOf, type DesiredFinding } from './lifecycle.ts';
import { findingKeyOf } from './keys.ts';

export const SECRET_FINDING_TYPE = 'secret' as const;
export const CODE_FINDING_TYPE = 'code_vulnerability' as const;
export const CODE_SCORING_FORMULA = 'vigil-code-1' as const;
/** every secret is a hardcoded credential */
export const SECRET_CWE = 'CWE-798';

/** Every weight of vigil-code-1: the one source docs/scoring.md is checked against. */
export const CODE_SCORE_WEIGHTS = {
  /** base score by the detector's severity for the finding */
  CRITICAL: 9.5,
  HIGH: 8.0,
  MEDIUM: 5.5,
  LOW: 2.5,
  /** a secret whose checksum or structure was verified: added */
  VERIFIED_BONUS: 0.5,
  /** a secret judged by entropy in context (no provider format): subtracted */
  ENTROPY_PENALTY: 1.5,
  /** a secret no longer in the checked-out tree, only in git history: subtracted */
  HISTORY_ONLY_PENALTY: 1.0,
  /** the file is test code (tests/, __tests__/, test_*.py, *.test.ts, …): subtracted */
  TEST_CODE_PENALTY: 2.0,
} as const;

const bound = (x: number) => Math.min(10, Math.max(0, Math.round(x * 10 + 1e-9) / 10));
const fmt = (x: number) => x.toFixed(1);

/**
 * Test code: a file under a tests/test/__tests__/spec directory, or named as a test (test_x.py,
 * x_test.py, x.test.ts, x.spec.js, conftest.py). What ships is scored higher than what tests it.
 */
export function isTestPath(path: string): boolean {
  const p = `/${path.replace(/\\/g, '/')}`;
  if (/\/(?:tests?|__tests__|spec|specs|testing|testdata)\//i.test(p)) return true;
  const base = p.slice(p.lastIndexOf('/') + 1);
  return /^test_[^/]*\.py$|_test\.py$|^conftest\.py$|\.(?:test|spec)\.[cm]?[jt]sx?$/i.test(base);
}

/** The base of a severity word. */
function baseOf(severity: Severity): number | null {
  const W = CODE_SCORE_WEIGHTS;
  return severity === 'CRITICAL' ? W.CRITICAL : severity === 'HIGH' ? W.HIGH : severity === 'MEDIUM' ? W.MEDIUM : severity === 'LOW' ? W.LOW : null;
}

/**
 * The vigil-code-1 score of a secret or a code flaw: the detector's severity as the base, then —
 * secrets — how sure the match is (verified checksum up, entropy guess down) and whether it is
 * only in history; then whether the file is test code. Each step one adjustment with its reason.
 */
export function codeScore(inputs: CodeScoringInputs): VigilScoring {
  const W = CODE_SCORE_WEIGHTS;
  const adjustments: ScoreAdjustment[] = [];
  const base = baseOf(inputs.severity);
  if (base === null) {
    return { formula: CODE_SCORING_FORMULA, base: null, basis: 'code', inputs: { fixAvailable: false, code: inputs }, adjustments, score: null, severity: inputs.severity };
  }
  let score: number = base;
  const what = inputs.kind === 'secret' ? `${inputs.rule} (${inputs.provider ?? 'secret'})` : `${inputs.rule}${inputs.cwe?.length ? ` (${inputs.cwe.join(', ')})` : ''}`;
  const localNote = inputs.kind === 'code' && inputs.source === 'local' ? '; the input comes from the machine itself (environment, files, command line), which the detector rates one level lower than a request' : '';
  adjustments.push({ metric: 'detector', from: null, to: base, reason: `${what}: the detector rates it ${inputs.severity}${localNote}` });
  const step = (metric: ScoreAdjustment['metric'], delta: number, reason: string) => {
    const to = bound(score + delta);
    adjustments.push({ metric, from: score, to, reason: `${reason} (${delta >= 0 ? '+' : '-'}${fmt(Math.abs(delta))})` });
    score = to;
  };
  if (inputs.kind === 'secret') {
    if (inputs.confidence === 'verified') step('confidence', W.VERIFIED_BONUS, 'its checksum or structure is verified: a real credential of the provider\'s format');
    else if (inputs.confidence === 'entropy') step('confidence', -W.ENTROPY_PENALTY, 'judged by entropy in its context, with no provider format: it may be a random value that is not a credential');
    if (inputs.inHead === false) step('history', -W.HISTORY_ONLY_PENALTY, `removed from the current tree, still in git history (commit ${inputs.commit?.slice(0, 12) ?? '?'}): anyone with the repository can read it, so rotate it`);
  }
  if (inputs.testCode) step('testCode', -W.TEST_CODE_PENALTY, 'the file is test code, not what ships');
  return { formula: CODE_SCORING_FORMULA, base: null, basis: 'code', inputs: { fixAvailable: false, code: inputs }, adjustments, score, severity: severityFromScore(score) };
}

type Template = Omit<DesiredFinding, 'key'>;

const sha = (s: string) => hash('sha256', s, 'hex');

function template(t: Omit<Template, 'details_hash' | 'state_hash' | 'severity' | 'score' | 'scoring' | 'details' | 'aliases' | 'fix_available' | 'fixed_version' | 'exploit_available' | 'fix_availability' | 'epss' | 'package_purl'>, detail: Record<string, unknown>, scoring: VigilScoring): Template {
  const details = JSON.stringify({ advisories: [], aliases: [], ...detail, scoring });
  const out: Template = {
    ...t, package_purl: null, severity: scoring.severity, score: scoring.score, fix_available: 0, fixed_version: null, exploit_available: 0,
    aliases: [], details, details_hash: sha(details), state_hash: '', fix_availability: 'NO', epss: null, scoring,
  };
  out.state_hash = stateHashOf(out);
  return out;
}

/** The desired finding of a secret (without its key). */
export function secretTemplate(f: SecretFinding): Template {
  const inHead = f.location.commit ? f.location.commit.inHead : true;
  const scoring = codeScore({
    kind: 'secret', rule: f.rule, provider: f.provider, severity: f.severity, confidence: f.confidence, testCode: isTestPath(f.location.path),
    ...(f.location.commit ? { inHead, commit: f.location.commit.id } : {}),
  });
  const secret = {
    rule: f.rule, provider: f.provider, confidence: f.confidence, prefix: f.secret.prefix, hash: f.secret.hash, length: f.secret.length,
    ...(f.note ? { note: f.note } : {}), location: f.location, snippet: f.snippet,
  };
  return template({
    type: SECRET_FINDING_TYPE, vulnerability_id: SECRET_CWE, advisory_id: `secret/${f.rule}`, package_ecosystem: '', package_name: f.location.path,
    package_version: f.location.commit?.id ?? '', package_location: `secret/${f.rule}:${f.secret.hash}`, package_locations: null, package_layer: f.location.layer?.digest ?? null,
    title: f.title,
  }, { secret }, scoring);
}

/** The desired finding of a code flaw (without its key); `occurrence`: its index among equal snippets of its rule in its file. */
export function codeTemplate(f: CodeFinding, occurrence: number): Template {
  const scoring = codeScore({
    kind: 'code', rule: f.rule, severity: f.severity, cwe: f.cwe, testCode: isTestPath(f.location.path), ...(f.source ? { source: f.source } : {}),
  });
  const code = {
    rule: f.rule, language: f.language, cwe: f.cwe, location: f.location, snippet: f.snippet, trace: f.trace, remediation: f.remediation,
    ...(f.fix ? { fix: f.fix } : {}), ...(f.source ? { source: f.source } : {}),
  };
  return template({
    type: CODE_FINDING_TYPE, vulnerability_id: f.cwe[0] ?? 'CWE-unknown', advisory_id: f.rule, package_ecosystem: '', package_name: f.location.path,
    package_version: '', package_location: `${f.rule}:${snippetHash(f.snippet)}:${occurrence}`, package_locations: null, package_layer: f.location.layer?.digest ?? null,
    title: f.title,
  }, { code }, scoring);
}

/** A snippet's identity: its text with whitespace runs folded (reindenting is no new finding). */
export function snippetHash(snippet: string): string {
  return sha(snippet.replace(/\s+/g, ' ').trim()).slice(0, 16);
}

/**
 * A resource's desired secret and code findings. Findings an inline `vigil:ignore` or an ignore
 * file suppressed are left out (the author said so in the code); the same key twice counts once
 * (the first, in path/line order); a code finding of a hardcoded credential (CWE-798) on a line
 * where the secrets scanner found a secret is left to the secret finding.
 */
export function codeDesired(accountId: string, resourceId: string, secrets: readonly SecretFinding[], code: readonly CodeFinding[]): DesiredFinding[] {
  const byKey = new Map<string, DesiredFinding>();
  const add = (t: Template) => {
    const key = findingKeyOf(accountId, resourceId, t.type, t.vulnerability_id, t.package_ecosystem, t.package_name, t.package_location);
    if (!byKey.has(key)) byKey.set(key, { ...t, key });
  };
  const order = <T extends SecretFinding | CodeFinding>(list: readonly T[]) => list.filter((f) => !f.suppressed)
    .sort((a, b) => (a.location.path < b.location.path ? -1 : a.location.path > b.location.path ? 1 : a.location.line - b.location.line || a.location.column - b.location.column));
  const secretAt = new Set<string>();
  for (const f of order(secrets)) {
    add(secretTemplate(f));
    secretAt.add(`${f.location.path}\u0000${f.location.line}`);
  }
  const seen = new Map<string, number>();
  for (const f of order(code)) {
    // a hardcoded credential the secrets scanner reported on the same line already: one finding, the secret's
    if (f.cwe.includes(SECRET_CWE) && secretAt.has(`${f.location.path}\u0000${f.location.line}`)) continue;
    const k = `${f.rule}\u0000${f.location.path}\u0000${f.location.layer?.digest ?? ''}\u0000${snippetHash(f.snippet)}`;
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    add(codeTemplate(f, n));
  }
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
}
