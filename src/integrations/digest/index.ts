/**
 * Scheduled reports (issue 19): what a digest says, and its three renderings — an HTML e-mail
 * (table layout with inline CSS, which mail clients render: no <style> block, no flexbox, no
 * external images), its text/plain alternative, and the JSON a webhook receives. Pure: the data is
 * built from the store by engine/digest.ts.
 */

export const DIGEST_SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'NONE', 'UNKNOWN'] as const;
export type DigestSeverity = (typeof DIGEST_SEVERITIES)[number];
export type SeverityCounts = Record<DigestSeverity, number>;

export interface DigestCounts {
  /** findings first observed in the period (whatever their status now) */
  newFindings: { total: number; bySeverity: SeverityCounts };
  /** findings closed in the period (the package was updated or the resource removed) */
  fixedFindings: { total: number; bySeverity: SeverityCounts };
  /** ACTIVE findings when the digest was built */
  open: { total: number; bySeverity: SeverityCounts };
  /** resources by coverage status */
  coverage: { total: number; byStatus: { status: string; count: number }[] };
}

export interface DigestRisk {
  findingId: string;
  accountId: string;
  vulnerabilityId: string;
  title: string;
  severity: string;
  score: number | null;
  resource: { id: string; type: string; name: string };
  package: { name: string; version: string };
  fixedVersion: string | null;
}

export interface DigestData {
  schedule: { id: string; name: string; kind: 'daily' | 'weekly' };
  /** the owner's account; an organization digest (a delegated admin's) lists every account */
  accountId: string;
  organization: boolean;
  period: { from: string; to: string };
  generatedAt: string;
  totals: DigestCounts;
  accounts: ({ accountId: string; name: string } & DigestCounts)[];
  /** the highest-scored ACTIVE findings, with their resource and fix */
  topRisks: DigestRisk[];
}

export const zeroSeverities = (): SeverityCounts => Object.fromEntries(DIGEST_SEVERITIES.map((s) => [s, 0])) as SeverityCounts;

/** The digest as a webhook receives it (content type application/json). */
export function digestJson(d: DigestData): Record<string, unknown> {
  return { type: 'dev.vigil.report.digest', version: 1, ...d };
}

const day = (iso: string) => iso.slice(0, 16).replace('T', ' ') + ' UTC';

export function digestSubject(d: DigestData): string {
  const t = d.totals;
  const crit = t.open.bySeverity.CRITICAL;
  return `[Vigil] ${d.schedule.name}: ${t.newFindings.total} new, ${t.fixedFindings.total} fixed, ${t.open.total} open${crit ? ` (${crit} critical)` : ''}`;
}

const SEV_COLOR: Record<string, string> = { CRITICAL: '#b42318', HIGH: '#c4320a', MEDIUM: '#b54708', LOW: '#175cd3', NONE: '#475467', UNKNOWN: '#475467' };
const sevLabel = (s: string) => s.charAt(0) + s.slice(1).toLowerCase();

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const FONT = "font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;";
const TD = `${FONT}font-size:14px;color:#101828;padding:8px 10px;border-bottom:1px solid #eaecf0;`;
const TH = `${FONT}font-size:12px;color:#475467;padding:8px 10px;border-bottom:1px solid #d0d5dd;text-align:left;font-weight:600;background:#f9fafb;`;

function heading(text: string): string {
  return `<tr><td style="${FONT}font-size:16px;font-weight:600;color:#101828;padding:24px 24px 8px 24px;">${esc(text)}</td></tr>`;
}

/** Critical to low always; none and unknown only when some count of them is not zero. */
function shownSeverities(t: DigestCounts): DigestSeverity[] {
  return DIGEST_SEVERITIES.filter((s) => (s !== 'NONE' && s !== 'UNKNOWN') || t.open.bySeverity[s] || t.newFindings.bySeverity[s] || t.fixedFindings.bySeverity[s]);
}

function severityTable(t: DigestCounts): string {
  const sevs = shownSeverities(t);
  const rows = sevs.map((s) => `<tr>
<td style="${TD}"><span style="display:inline-block;width:10px;height:10px;background:${SEV_COLOR[s]};border-radius:2px;"></span>&nbsp;${sevLabel(s)}</td>
<td style="${TD}text-align:right;">${t.newFindings.bySeverity[s]}</td>
<td style="${TD}text-align:right;">${t.fixedFindings.bySeverity[s]}</td>
<td style="${TD}text-align:right;font-weight:600;">${t.open.bySeverity[s]}</td></tr>`).join('\n');
  return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;">
<tr><th style="${TH}">Severity</th><th style="${TH}text-align:right;">New</th><th style="${TH}text-align:right;">Fixed</th><th style="${TH}text-align:right;">Open</th></tr>
${rows}
<tr><td style="${TD}font-weight:600;">Total</td><td style="${TD}text-align:right;font-weight:600;">${t.newFindings.total}</td><td style="${TD}text-align:right;font-weight:600;">${t.fixedFindings.total}</td><td style="${TD}text-align:right;font-weight:600;">${t.open.total}</td></tr>
</table>`;
}

function tile(label: string, value: number, color: string): string {
  return `<td width="33%" style="padding:0 6px;"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border:1px solid #eaecf0;border-radius:6px;">
<tr><td style="${FONT}font-size:12px;color:#475467;padding:12px 14px 0 14px;">${esc(label)}</td></tr>
<tr><td style="${FONT}font-size:28px;font-weight:700;color:${color};padding:2px 14px 12px 14px;">${value}</td></tr></table></td>`;
}

/**
 * The digest as an HTML e-mail: one centred 640-pixel table, inline styles only.
 * Every text from the store (names, titles, packages) is escaped.
 */
export function renderDigestHtml(d: DigestData): string {
  const t = d.totals;
  const risks = d.topRisks.length === 0
    ? `<tr><td style="${TD}color:#475467;" colspan="4">No open findings.</td></tr>`
    : d.topRisks.map((r) => `<tr>
<td style="${TD}"><span style="color:${SEV_COLOR[r.severity] ?? '#475467'};font-weight:600;">${r.score === null ? '–' : r.score.toFixed(1)}</span><br><span style="font-size:12px;color:#475467;">${sevLabel(r.severity)}</span></td>
<td style="${TD}"><strong>${esc(r.vulnerabilityId)}</strong><br><span style="font-size:12px;color:#475467;">${esc(r.title.slice(0, 120))}</span></td>
<td style="${TD}">${esc(r.resource.name)}<br><span style="font-size:12px;color:#475467;">${esc(r.resource.type)} · ${esc(r.package.name)} ${esc(r.package.version)}</span></td>
<td style="${TD}">${r.fixedVersion ? `upgrade to <strong>${esc(r.fixedVersion)}</strong>` : '<span style="color:#475467;">no fix yet</span>'}</td></tr>`).join('\n');
  const coverage = t.coverage.byStatus.map((c) => `<tr><td style="${TD}">${esc(c.status)}</td><td style="${TD}text-align:right;">${c.count}</td></tr>`).join('\n')
    || `<tr><td style="${TD}color:#475467;" colspan="2">No resources.</td></tr>`;
  const perAccount = d.organization && d.accounts.length > 0 ? `${heading('By account')}
<tr><td style="padding:0 24px;"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;">
<tr><th style="${TH}">Account</th><th style="${TH}text-align:right;">New</th><th style="${TH}text-align:right;">Fixed</th><th style="${TH}text-align:right;">Open</th><th style="${TH}text-align:right;">Critical</th><th style="${TH}text-align:right;">Resources</th></tr>
${d.accounts.map((a) => `<tr><td style="${TD}">${esc(a.name)}</td><td style="${TD}text-align:right;">${a.newFindings.total}</td><td style="${TD}text-align:right;">${a.fixedFindings.total}</td><td style="${TD}text-align:right;">${a.open.total}</td><td style="${TD}text-align:right;">${a.open.bySeverity.CRITICAL}</td><td style="${TD}text-align:right;">${a.coverage.total}</td></tr>`).join('\n')}
</table></td></tr>` : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(digestSubject(d))}</title></head>
<body style="margin:0;padding:0;background:#f2f4f7;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f2f4f7;"><tr><td align="center" style="padding:24px 8px;">
<table role="presentation" width="640" cellpadding="0" cellspacing="0" border="0" style="width:640px;max-width:100%;background:#ffffff;border:1px solid #eaecf0;border-radius:8px;">
<tr><td style="${FONT}padding:20px 24px;border-bottom:3px solid #1d2939;"><span style="font-size:12px;color:#475467;letter-spacing:1px;">VIGIL ${d.schedule.kind === 'weekly' ? 'WEEKLY' : 'DAILY'} DIGEST</span><br>
<span style="font-size:20px;font-weight:700;color:#101828;">${esc(d.schedule.name)}</span><br>
<span style="font-size:13px;color:#475467;">${day(d.period.from)} → ${day(d.period.to)}</span></td></tr>
<tr><td style="padding:20px 18px 0 18px;"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr>
${tile('New findings', t.newFindings.total, '#b42318')}${tile('Fixed', t.fixedFindings.total, '#067647')}${tile('Still open', t.open.total, '#101828')}
</tr></table></td></tr>
${heading('Findings by severity')}
<tr><td style="padding:0 24px;">${severityTable(t)}</td></tr>
${heading('Top risks')}
<tr><td style="padding:0 24px;"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;">
<tr><th style="${TH}">Score</th><th style="${TH}">Vulnerability</th><th style="${TH}">Resource</th><th style="${TH}">Fix</th></tr>
${risks}
</table></td></tr>
${perAccount}
${heading('Coverage')}
<tr><td style="padding:0 24px;"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;">
<tr><th style="${TH}">Resources</th><th style="${TH}text-align:right;">${t.coverage.total}</th></tr>
${coverage}
</table></td></tr>
<tr><td style="${FONT}font-size:12px;color:#667085;padding:24px;">Generated ${day(d.generatedAt)} by Vigil. New: first seen in the period; fixed: closed in the period; open: active now.</td></tr>
</table></td></tr></table>
</body></html>
`;
}

const pad = (s: string | number, n: number) => String(s).padEnd(n);
const padL = (s: string | number, n: number) => String(s).padStart(n);

/** The text/plain alternative of the e-mail. */
export function renderDigestText(d: DigestData): string {
  const t = d.totals;
  const lines: string[] = [
    `Vigil ${d.schedule.kind} digest: ${d.schedule.name}`,
    `Period: ${day(d.period.from)} to ${day(d.period.to)}`,
    '',
    `New findings: ${t.newFindings.total}   Fixed: ${t.fixedFindings.total}   Still open: ${t.open.total}`,
    '',
    'By severity          New   Fixed    Open',
    ...shownSeverities(t).map((s) => `  ${pad(sevLabel(s), 16)}${padL(t.newFindings.bySeverity[s], 6)}${padL(t.fixedFindings.bySeverity[s], 8)}${padL(t.open.bySeverity[s], 8)}`),
    '',
    'Top risks',
  ];
  if (d.topRisks.length === 0) lines.push('  No open findings.');
  for (const [i, r] of d.topRisks.entries()) {
    lines.push(`  ${i + 1}. ${r.score === null ? '-' : r.score.toFixed(1)} ${r.severity} ${r.vulnerabilityId} in ${r.package.name} ${r.package.version}`);
    lines.push(`     ${r.resource.type} ${r.resource.name}; ${r.fixedVersion ? `fix: upgrade to ${r.fixedVersion}` : 'no fix yet'}`);
  }
  if (d.organization && d.accounts.length) {
    lines.push('', 'By account (new / fixed / open / critical / resources)');
    for (const a of d.accounts) lines.push(`  ${a.name}: ${a.newFindings.total} / ${a.fixedFindings.total} / ${a.open.total} / ${a.open.bySeverity.CRITICAL} / ${a.coverage.total}`);
  }
  lines.push('', `Coverage: ${t.coverage.total} resources`);
  for (const c of t.coverage.byStatus) lines.push(`  ${pad(c.status, 16)}${padL(c.count, 6)}`);
  lines.push('', `Generated ${day(d.generatedAt)} by Vigil.`, '');
  return lines.join('\n');
}
