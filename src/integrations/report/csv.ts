import type { ScanResult } from '../../model/index.ts';
import { csvField } from '../../findings/csv.ts';
import { canonicalize } from './common.ts';

export const CSV_COLUMNS = ['target', 'package', 'ecosystem', 'installed', 'fixed', 'severity', 'vulnerability', 'advisory', 'type', 'layer', 'path'] as const;

/** One field: RFC 4180 quoting and the spreadsheet-formula guard, as in the API's findings CSV. */
export { csvField };

export interface CsvOptions {
  /** include suppressed findings (default: no, as in the table) */
  showSuppressed?: boolean;
}

/**
 * One row per finding, CRLF line ends (RFC 4180), header first. `fixed` is the version that closes
 * this finding's advisory; `path` joins the package's locations with ";"; `layer` is the layer digest.
 */
export function renderCsv(result: ScanResult, opts: CsvOptions = {}): string {
  const r = canonicalize(result);
  const rows: string[][] = [[...CSV_COLUMNS]];
  for (const f of r.findings) {
    if (f.suppressed && !opts.showSuppressed) continue;
    const p = r.packages[f.packageIndex];
    rows.push([
      r.target.ref, p.name, p.ecosystem, f.installedVersion, f.fixedVersion ?? '', f.severity, f.vulnerability, f.id,
      f.type, p.layer?.digest ?? '', (p.locations ?? []).join(';'),
    ]);
  }
  // issue 17: a secret's row names its rule as the vulnerability and its masked prefix as the advisory; a code
  // flaw's its CWEs and its rule; `path` is "file:line" (and ":column" for code)
  for (const f of r.secrets ?? []) {
    if (f.suppressed && !opts.showSuppressed) continue;
    rows.push([r.target.ref, '', '', '', '', f.severity, f.rule, `${f.secret.prefix}…`, 'secret', f.location.layer?.digest ?? '', `${f.location.path}:${f.location.line}`]);
  }
  for (const f of r.code ?? []) {
    if (f.suppressed && !opts.showSuppressed) continue;
    rows.push([r.target.ref, '', '', '', '', f.severity, f.cwe.join(';'), f.rule, 'code', f.location.layer?.digest ?? '', `${f.location.path}:${f.location.line}:${f.location.column}`]);
  }
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}
