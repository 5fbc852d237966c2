/**
 * The findings CSV (GET /v1/findings/export, findings reports): the columns and how a finding becomes
 * a line. Depends only on the finding view (findings/view.ts), so the engine's report job writes the
 * same CSV as the API.
 */
import { toFindingSummary } from './view.ts';

/** The CSV export's columns, in order (documented in src/server/README.md). */
export const CSV_COLUMNS = [
  'id', 'accountId', 'resourceId', 'resourceType', 'resourceName', 'resourceRef', 'type', 'vulnerabilityId', 'advisoryId', 'title', 'severity', 'score',
  'status', 'fixAvailability', 'fixAvailable', 'fixedVersion', 'exploitAvailable', 'packageEcosystem', 'packageName', 'packageVersion', 'packagePurl',
  'packageLocation', 'packageLayer', 'suppressedBy', 'firstObservedAt', 'lastObservedAt', 'updatedAt', 'closedAt',
] as const;

/**
 * One CSV field (RFC 4180: quoted when it holds a comma, quote, CR or LF; quotes doubled). A text
 * starting with = + - @ (or a tab or CR) is prefixed with ' so that a spreadsheet shows it instead
 * of evaluating it as a formula (OWASP "CSV injection").
 */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV line (CRLF) of a finding. */
export function csvLine(f: ReturnType<typeof toFindingSummary>): string {
  const values: Record<(typeof CSV_COLUMNS)[number], unknown> = {
    id: f.id, accountId: f.accountId, resourceId: f.resource.id, resourceType: f.resource.type, resourceName: f.resource.name, resourceRef: f.resource.ref,
    type: f.type, vulnerabilityId: f.vulnerabilityId, advisoryId: f.advisoryId, title: f.title, severity: f.severity, score: f.score, status: f.status,
    fixAvailability: f.fixAvailability, fixAvailable: f.fixAvailable, fixedVersion: f.fixedVersion, exploitAvailable: f.exploitAvailable,
    packageEcosystem: f.package.ecosystem, packageName: f.package.name, packageVersion: f.package.version, packagePurl: f.package.purl,
    packageLocation: f.package.location, packageLayer: f.package.layer, suppressedBy: f.suppressedBy,
    firstObservedAt: f.firstObservedAt, lastObservedAt: f.lastObservedAt, updatedAt: f.updatedAt, closedAt: f.closedAt,
  };
  return `${CSV_COLUMNS.map((c) => csvField(values[c])).join(',')}\r\n`;
}
