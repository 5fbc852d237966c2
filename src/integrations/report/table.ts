import { manifestOf } from '../../model/installs.ts';
import type { Package } from '../../model/package.ts';
import { SEVERITY_ORDER, type ScanFinding, type ScanResult, type Severity } from '../../model/scan.ts';
import { canonicalize, cmp, fixFor, layerLabel, severityCounts, severityRank } from './common.ts';

export interface TableOptions {
  /** ANSI colours for severities (only on a terminal; never when piped) */
  color?: boolean;
  /** list suppressed findings too, marked "(suppressed)" */
  showSuppressed?: boolean;
}

const COLORS: Record<Severity, string> = {
  CRITICAL: '\x1b[1;31m', HIGH: '\x1b[31m', MEDIUM: '\x1b[33m', LOW: '\x1b[34m', NONE: '\x1b[2m', UNKNOWN: '\x1b[2m',
};
const RESET = '\x1b[0m';

/** Pads on visible width (ANSI escapes excluded). */
function pad(s: string, width: number): string {
  const visible = s.replace(/\x1b\[[0-9;]*m/g, '').length;
  return s + ' '.repeat(Math.max(0, width - visible));
}

function grid(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, c.replace(/\x1b\[[0-9;]*m/g, '').length); });
  return rows.map((row) => row.map((c, i) => (i === row.length - 1 ? c : pad(c, widths[i]))).join('  ').trimEnd());
}

function isOsPackage(p: Package): boolean {
  return /^(Debian|Ubuntu|Alpine|Wolfi|Chainguard|AlmaLinux|Rocky Linux|Red Hat|SUSE|openSUSE|Fedora)(:|$)/.test(p.ecosystem);
}

/**
 * Trivy-like target groups: the OS ("bullseye-app.docker.tar (Debian:11)") or a manifest
 * ("/app/package-lock.json (npm)"): of a package found in its lockfile and its node_modules, the
 * lockfile (model/installs.ts manifestOf).
 */
function groupOf(result: ScanResult, p: Package): string {
  if (isOsPackage(p)) return `${result.target.ref} (${p.ecosystem})`;
  return `${manifestOf(p.locations) ?? result.target.ref} (${p.ecosystem})`;
}

function summaryLine(findings: readonly ScanFinding[]): string {
  const counts = severityCounts(findings);
  const total = SEVERITY_ORDER.reduce((n, s) => n + counts[s], 0);
  const suppressed = findings.filter((f) => f.suppressed).length;
  return `Total: ${total} (${SEVERITY_ORDER.map((s) => `${s}: ${counts[s]}`).join(', ')})${suppressed ? `, suppressed: ${suppressed}` : ''}`;
}

/**
 * The human-readable table: a header naming the target, a summary line of counts by severity
 * (suppressed findings not counted), the malicious packages first, then vulnerabilities grouped by
 * target (OS or manifest file) and package, with installed and fixed versions, severity,
 * vulnerability (advisory) and the layer that brought the package. Ends with counts of undecided
 * advisories and per-file errors when there are any.
 */
/** The Vigil score as the table shows it: "8.5", with "(KEV)" when known exploited; "-" when unscored. */
function scoreLabel(f: ScanFinding): string {
  const s = f.scoring?.score ?? f.cvss?.score;
  const kev = f.scoring?.adjustments.some((a) => a.metric === 'kev') ? ' (KEV)' : '';
  return (s === undefined || s === null ? '-' : s.toFixed(1)) + kev;
}

export function renderTable(result: ScanResult, opts: TableOptions = {}): string {
  const r = canonicalize(result);
  const sev = (s: Severity) => (opts.color ? `${COLORS[s]}${s}${RESET}` : s);
  const shown = r.findings.filter((f) => opts.showSuppressed || !f.suppressed);
  const out: string[] = [];

  const t = r.target;
  const os = t.os?.prettyName ?? t.os?.ecosystem;
  out.push(`${t.ref} (${t.kind})${t.digest ? ` ${t.digest}` : ''}${os ? ` — ${os}` : ''}`);
  out.push(summaryLine(r.findings));

  const malicious = shown.filter((f) => f.type === 'malicious');
  if (malicious.length) {
    out.push('', 'Malicious packages', '==================');
    const rows = [['PACKAGE', 'ECOSYSTEM', 'INSTALLED', 'ADVISORY', 'LAYER', 'PATH']];
    for (const f of malicious) {
      const p = r.packages[f.packageIndex];
      rows.push([p.name, p.ecosystem, f.installedVersion, f.id + (f.suppressed ? ' (suppressed)' : ''), layerLabel(p.layer), (p.locations ?? []).join(', ')]);
    }
    out.push(...grid(rows));
  }

  const vulns = shown.filter((f) => f.type !== 'malicious');
  const groups = new Map<string, ScanFinding[]>();
  for (const f of vulns) {
    const g = groupOf(r, r.packages[f.packageIndex]);
    groups.set(g, [...(groups.get(g) ?? []), f]);
  }
  // OS packages first, as Trivy does; then manifests by path.
  const osFirst = (g: string) => (isOsPackage(r.packages[groups.get(g)![0].packageIndex]) ? 0 : 1);
  for (const g of [...groups.keys()].sort((a, b) => osFirst(a) - osFirst(b) || cmp(a, b))) {
    const fs = groups.get(g)!;
    out.push('', g, '='.repeat(g.length), summaryLine(fs), '');
    fs.sort((a, b) => {
      const pa = r.packages[a.packageIndex];
      const pb = r.packages[b.packageIndex];
      return cmp(pa.name, pb.name) || cmp(pa.version, pb.version) || a.packageIndex - b.packageIndex
        || severityRank(a.severity) - severityRank(b.severity) || cmp(a.vulnerability, b.vulnerability) || cmp(a.id, b.id);
    });
    // SCORE: the Vigil score (issue 16, docs/scoring.md); `--format json` has its breakdown (findings[].scoring)
    const rows = [['PACKAGE', 'INSTALLED', 'FIXED', 'SEVERITY', 'SCORE', 'VULNERABILITY', 'LAYER']];
    let last = -1;
    for (const f of fs) {
      const p = r.packages[f.packageIndex];
      const first = f.packageIndex !== last;
      last = f.packageIndex;
      const id = f.id === f.vulnerability ? f.id : `${f.vulnerability} (${f.id})`;
      rows.push([
        first ? p.name + (p.dev ? ' (dev)' : '') : '',
        first ? f.installedVersion : '',
        first ? fixFor(r, f) ?? '-' : '',
        sev(f.severity),
        scoreLabel(f),
        id + (f.suppressed ? ' (suppressed)' : ''),
        first ? layerLabel(p.layer) : '',
      ]);
    }
    out.push(...grid(rows));
  }

  const secrets = (r.secrets ?? []).filter((f) => opts.showSuppressed || !f.suppressed);
  const code = (r.code ?? []).filter((f) => opts.showSuppressed || !f.suppressed);
  const packageScan = r.findings.length > 0 || (!r.secrets && !r.code) || r.packages.length > 0;
  if (!shown.length && packageScan) out.push('', r.partial ? 'No vulnerabilities found in what was read.' : 'No vulnerabilities found.');
  // issue 17: secrets (masked: the prefix only) and code flaws, each at its file, line and column
  if (r.secrets) {
    out.push('', `Secrets (${secrets.length})`, '='.repeat(`Secrets (${secrets.length})`.length));
    if (secrets.length === 0) out.push('No secrets found.');
    else {
      const rows = [['SEVERITY', 'RULE', 'SECRET', 'LOCATION', 'COMMIT', 'LAYER']];
      for (const f of secrets) {
        const c = f.location.commit;
        rows.push([sev(f.severity), f.rule + (f.suppressed ? ' (suppressed)' : ''), `${f.secret.prefix}…`, `${f.location.path}:${f.location.line}`,
          c ? `${c.id.slice(0, 12)} ${c.date.slice(0, 10)}${c.inHead ? '' : ' (removed)'}` : '', layerLabel(f.location.layer)]);
      }
      out.push(...grid(rows));
    }
  }
  if (r.code) {
    out.push('', `Code (${code.length})`, '='.repeat(`Code (${code.length})`.length));
    if (code.length === 0) out.push('No code vulnerabilities found.');
    else {
      const rows = [['SEVERITY', 'CWE', 'RULE', 'LOCATION', 'TITLE']];
      for (const f of code) rows.push([sev(f.severity), f.cwe.join(','), f.rule + (f.suppressed ? ' (suppressed)' : ''), `${f.location.path}:${f.location.line}:${f.location.column}`, f.title]);
      out.push(...grid(rows));
    }
  }
  const notes: string[] = [];
  if (r.partial) notes.push(partialLine(r.partial));
  if (r.unknown.length) notes.push(`${r.unknown.length} advisor${r.unknown.length === 1 ? 'y' : 'ies'} could not be decided (see --format json)`);
  if (r.errors.length) notes.push(`${r.errors.length} file${r.errors.length === 1 ? '' : 's'} could not be read (see --format json)`);
  if (notes.length) out.push('', ...notes);
  return out.join('\n') + '\n';
}

/** "partial scan: 2 files skipped (decompression-bomb: layer sha256:…!big, file-too-large: x)" */
export function partialLine(p: NonNullable<ScanResult['partial']>): string {
  const shown = p.examples.map((e) => `${e.rule}: ${e.path.length > 120 ? `${e.path.slice(0, 119)}…` : e.path}${e.count ? ` ×${e.count}` : ''}`);
  const more = p.skipped > p.examples.reduce((n, e) => n + (e.count ?? 1), 0) ? ', …' : '';
  return `partial scan: ${p.skipped} file${p.skipped === 1 ? '' : 's'} skipped (${shown.join(', ')}${more})`;
}
