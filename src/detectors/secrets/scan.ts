/**
 * scanText: every rule over one text, then the filters (documented examples, placeholders,
 * fixtures), overlap resolution, inline suppression, and the finding with its secret masked.
 * Pure: no filesystem, no logging. The secret leaves this module only as prefix, sha256 and length.
 */
import type { LayerRef } from '../../model/index.ts';
import type { SecretFinding } from '../../model/code.ts';
import { sha256Hex } from './checksum.ts';
import { fileSaysFake, isDocumentedExample, isFixturePath, isLockfile, isPlaceholder, isSourceCode, lineSaysFake } from './filters.ts';
import { inlineIgnored, matchIgnore, type IgnoreSet } from './ignore.ts';
import { RULES, type Candidate } from './rules.ts';

export interface ScanTextOptions {
  layer?: LayerRef;
  /** ignore files that apply (scanSecrets passes them; scanText alone applies only inline comments) */
  ignore?: IgnoreSet[];
  /** added to every line number (a diff hunk that starts at line n+1 of the file) */
  lineOffset?: number;
}

/** characters of context kept each side of the secret in a snippet */
const SNIPPET_CONTEXT = 80;

/**
 * The shown start of a secret: the provider's fixed prefix and 4 more characters, or its first 4 —
 * never more than a quarter of the part after the fixed prefix (an 8-character password shows 2).
 */
export function secretPrefix(secret: string, fixedPrefix: number): string {
  const fixed = Math.min(fixedPrefix, secret.length);
  return secret.slice(0, fixed + Math.min(4, Math.floor((secret.length - fixed) / 4)));
}

class Lines {
  readonly starts: number[] = [0];
  constructor(private readonly text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  /** 0-based line of an offset */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
  start(line: number): number {
    return this.starts[line];
  }
  end(line: number): number {
    const next = this.starts[line + 1];
    const e = next === undefined ? this.text.length : next - 1;
    return e > this.starts[line] && this.text[e - 1] === '\r' ? e - 1 : e;
  }
  get(line: number): string | undefined {
    if (line < 0 || line >= this.starts.length) return undefined;
    return this.text.slice(this.start(line), this.end(line));
  }
}

/**
 * Every secret in one text. `path` decides fixture paths and lockfiles and is the finding's location.
 * Findings are sorted by line, column and rule; suppressed ones (inline or ignore file) are included
 * with `suppressed` set.
 */
export function scanText(path: string, text: string, opts: ScanTextOptions = {}): SecretFinding[] {
  if (isFixturePath(path)) return [];
  const ctx = { path, lockfile: isLockfile(path), code: isSourceCode(path) };
  let candidates: Candidate[] = [];
  for (const rule of RULES) {
    if (rule.keywords.length && !rule.keywords.some((k) => text.includes(k))) continue;
    candidates.push(...rule.find(text, ctx));
  }
  if (!candidates.length) return [];
  const lines = new Lines(text);
  // every range any rule matched is masked in snippets, whatever happens to the candidate
  const maskRanges: [number, number][] = candidates.flatMap((c) => [[c.start, c.end] as [number, number], ...(c.alsoMask ?? [])]);

  const fileFake = fileSaysFake(text);
  candidates = candidates.filter((c) => {
    if (isDocumentedExample(c.secret) || isPlaceholder(c.secret.slice(c.fixedPrefix))) return false;
    if (fileFake) return false;
    const line = lines.lineOf(c.start);
    const lineText = lines.get(line) ?? '';
    const ls = lines.start(line);
    const without = lineText.slice(0, Math.max(0, c.start - ls)) + ' ' + lineText.slice(Math.max(0, c.end - ls));
    return !lineSaysFake(without);
  });
  // overlaps: the higher priority (then the longer) wins
  candidates.sort((a, b) => b.priority - a.priority || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const kept: Candidate[] = [];
  for (const c of candidates) {
    const ranges = [[c.start, c.end], ...(c.alsoMask ?? [])];
    const clash = kept.some((k) => [[k.start, k.end], ...(k.alsoMask ?? [])].some(([s, e]) => ranges.some(([s2, e2]) => s2 < e && s < e2)));
    if (!clash) kept.push(c);
  }

  const lineOffset = opts.lineOffset ?? 0;
  const out: SecretFinding[] = [];
  const seen = new Set<string>();
  for (const c of kept) {
    const at = c.at ?? c.start;
    const line = lines.lineOf(at);
    const hash = sha256Hex(c.secret);
    const key = `${c.rule.id}\0${hash}\0${line}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const prefix = secretPrefix(c.secret, c.fixedPrefix);
    const column = at - lines.start(line) + 1;
    const endLine = lines.lineOf(Math.max(c.start, c.end - 1));
    const finding: SecretFinding = {
      type: 'secret',
      rule: c.rule.id,
      provider: c.rule.provider,
      title: c.rule.title,
      severity: c.severity ?? c.rule.severity,
      location: {
        path,
        line: line + 1 + lineOffset,
        column,
        ...(endLine !== line ? { endLine: endLine + 1 + lineOffset } : { endColumn: column + (c.end - at) }),
        ...(opts.layer ? { layer: opts.layer } : {}),
      },
      secret: { prefix, hash, length: c.secret.length },
      snippet: snippet(text, lines, line, c, prefix, maskRanges),
      confidence: c.confidence,
      ...(c.note ? { note: c.note } : {}),
    };
    if (inlineIgnored(lines, line, c.rule.id)) finding.suppressed = { reason: 'inline vigil:ignore', source: `${path}:${line + 1 + lineOffset}` };
    else if (opts.ignore?.length) {
      const e = matchIgnore(opts.ignore, path, c.rule.id, hash);
      if (e) finding.suppressed = { reason: e.hash ? 'fingerprint in ignore file' : e.rule ? `rule ${e.rule} ignored` : 'path ignored', source: e.source };
    }
    out.push(finding);
  }
  return out.sort((a, b) => a.location.line - b.location.line || a.location.column - b.location.column || a.rule.localeCompare(b.rule));
}

/**
 * The finding's first line with every matched range on it masked: this finding's secret shows as
 * its prefix then "*" (at most 40), other ranges as "*". Cut to SNIPPET_CONTEXT characters each side.
 */
function snippet(text: string, lines: Lines, line: number, c: Candidate, prefix: string, masks: [number, number][]): string {
  const ls = lines.start(line);
  const le = lines.end(line);
  const from = Math.max(ls, c.start - SNIPPET_CONTEXT);
  const to = Math.min(le, Math.max(c.start, Math.min(c.end, le)) + SNIPPET_CONTEXT);
  const onLine = masks.filter(([s, e]) => s < to && e > from).sort((a, b) => a[0] - b[0]);
  let out = '';
  let pos = from;
  for (const [s0, e0] of onLine) {
    const s = Math.max(s0, pos);
    const e = Math.min(e0, to);
    if (s >= e) continue;
    out += text.slice(pos, s);
    if (s0 === c.start) out += prefix + '*'.repeat(Math.min(40, Math.max(3, c.secret.length - prefix.length)));
    else out += '*'.repeat(Math.min(40, e - s));
    pos = e;
  }
  out += text.slice(pos, to);
  return (from > ls ? '…' : '') + out.replace(/\t/g, ' ').trimEnd() + (to < le ? '…' : '');
}
