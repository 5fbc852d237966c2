/**
 * Words for secret and code findings (issue 17): locations as `path:line:column`, confidence levels,
 * languages, trace steps, CWE links.
 */
import type { CodeDetails, CodeLocation, SecretDetails, TraceStep } from '../../types.ts';

/** "src/app.py:12:5" (the column only when known) */
export function locationText(l: Pick<CodeLocation, 'path' | 'line' | 'column'>): string {
  return `${l.path}:${l.line}${l.column ? `:${l.column}` : ''}`;
}

/** "CWE-78" → the MITRE page of the weakness; null for anything that is not a CWE id. */
export function cweHref(cwe: string): string | null {
  const m = /^CWE-(\d+)$/i.exec(cwe.trim());
  return m ? `https://cwe.mitre.org/data/definitions/${m[1]}.html` : null;
}

/** A weakness id (the vulnerabilityId of secret and code findings): no vulnerability record has one. */
export function isWeaknessId(id: string): boolean {
  return /^CWE-\d+$/i.test(id);
}

export const CONFIDENCE_LABELS: Record<SecretDetails['confidence'], string> = {
  verified: 'Verified (its checksum or structure holds)',
  format: 'Provider format (matches the issuer\'s format)',
  entropy: 'Entropy in context (a random-looking value assigned to a secret-like name)',
};

export const LANGUAGE_LABELS: Record<CodeDetails['language'], string> = { python: 'Python', javascript: 'JavaScript', typescript: 'TypeScript' };

export const TRACE_KIND_LABELS: Record<TraceStep['kind'], string> = { source: 'Source', propagation: 'Propagation', call: 'Call', sink: 'Sink' };

export const SOURCE_LABELS: Record<NonNullable<CodeDetails['source']>, string> = {
  remote: 'Remote input (a request or an event)',
  local: 'Local input (the environment, files, arguments)',
};

/** A 40-hex commit id as git shows it shortened. */
export function shortCommit(id: string): string {
  return /^[0-9a-f]{40}$/i.test(id) ? id.slice(0, 10) : id;
}

/** The last `keep` characters of a long path, with an ellipsis in front (the whole path in a title). */
export function tailOfPath(path: string, keep = 60): string {
  if (path.length <= keep) return path;
  const cut = path.slice(path.length - keep);
  const slash = cut.indexOf('/');
  return `…${slash > 0 && slash < 20 ? cut.slice(slash) : cut}`;
}
