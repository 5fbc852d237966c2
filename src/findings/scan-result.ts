/**
 * Turns an inventory and what matching found into a ScanResult: one finding per (package,
 * advisory), with the vulnerability it belongs to (alias group), its severity from the best
 * available CVSS vector (the advisory's own first, then the CVE's from enrichment), KEV, and the
 * explanation matching recorded.
 */
import { cvssScore, summarizeSkipped, type CveEnrichment, type OsvRecord, type Package, type ScanFinding, type ScanResult, type ScanTarget, type Severity, type VigilScoring } from '../model/index.ts';
import type { MatchReport } from '../matching/index.ts';
import type { Store } from '../store/index.ts';
import { exploitInputs, vigilScore } from './score.ts';
// distribution findings by CVE (h/distro-cve): a DSA/DLA/ALSA match yields one finding per CVE it fixes
import { fixedVulnerabilities, recordForVulnerability } from '../vulndb/vulnerabilities.ts';

export interface AdvisoryContext {
  records: Map<string, OsvRecord>;
  groups: Map<string, string>;
  enrichment: Map<string, CveEnrichment>;
}

/** Loads the full records, alias groups and CVE enrichment of the matched advisories. */
export async function loadAdvisoryContext(store: Store, ids: Iterable<string>): Promise<AdvisoryContext> {
  const all = [...new Set(ids)];
  const records = new Map<string, OsvRecord>();
  const groups = new Map<string, string>();
  const enrichment = new Map<string, CveEnrichment>();
  for (let i = 0; i < all.length; i += 500) {
    const chunk = all.slice(i, i + 500);
    for (const r of await store.db.selectFrom('vuln_records').select(['id', 'json']).where('id', 'in', chunk).execute()) records.set(r.id, JSON.parse(r.json));
    for (const g of await store.db.selectFrom('vuln_groups').select(['member', 'group_id']).where('member', 'in', chunk).execute()) groups.set(g.member, g.group_id);
  }
  // (distro CVE split) the alias groups of the vulnerabilities a distribution advisory fixes: its findings are keyed by them
  const fixed = [...new Set([...records.values()].flatMap((r) => fixedVulnerabilities(r)))].filter((v) => !groups.has(v));
  for (let i = 0; i < fixed.length; i += 500) {
    for (const g of await store.db.selectFrom('vuln_groups').select(['member', 'group_id']).where('member', 'in', fixed.slice(i, i + 500)).execute()) groups.set(g.member, g.group_id);
  }
  const cves = new Set<string>();
  for (const r of records.values()) for (const a of [r.id, ...(r.aliases ?? []), ...(r.upstream ?? []), ...(r.related ?? [])]) if (/^CVE-\d+-\d+$/.test(a)) cves.add(a);
  const cveList = [...cves];
  for (let i = 0; i < cveList.length; i += 500) {
    for (const e of await store.db.selectFrom('cve_enrichment').select(['cve', 'data']).where('cve', 'in', cveList.slice(i, i + 500)).execute()) enrichment.set(e.cve, JSON.parse(e.data));
  }
  return { records, groups, enrichment };
}

const WORD_SEVERITY: Record<string, Severity> = {
  CRITICAL: 'CRITICAL', HIGH: 'HIGH', MODERATE: 'MEDIUM', MEDIUM: 'MEDIUM', LOW: 'LOW', NEGLIGIBLE: 'LOW', IMPORTANT: 'HIGH',
};

/**
 * The advisory's base severity: malicious → CRITICAL; else the best CVSS vector; else a published
 * word. (A finding's severity is its Vigil score's, see {@link scoringOf}; `cves` are the CVEs the
 * exploit intelligence is looked up by.)
 */
export function severityOf(record: OsvRecord | undefined, type: ScanFinding['type'], ctx: AdvisoryContext): { severity: Severity; cvss?: ScanFinding['cvss']; kev: boolean; cves: string[] } {
  const cves = record ? [record.id, ...(record.aliases ?? []), ...(record.upstream ?? [])].filter((a) => /^CVE-\d+-\d+$/.test(a)) : [];
  const kev = cves.some((c) => !!ctx.enrichment.get(c)?.kev);
  if (type === 'malicious') return { severity: 'CRITICAL', kev, cves };
  const scored: NonNullable<ScanFinding['cvss']>[] = [];
  const tryVector = (vector: string, source: string) => {
    try {
      const s = cvssScore(vector);
      scored.push({ version: s.version, vector, score: s.baseScore, source });
    } catch {
      // unscorable vectors are ignored here; `db show` still lists them
    }
  };
  if (record) {
    // the advisory's own vector first: distro and ecosystem sources know their package best
    for (const s of record.severity ?? []) if (s.type.startsWith('CVSS')) tryVector(s.score, record.id);
    for (const a of record.affected ?? []) for (const s of a.severity ?? []) if (s.type.startsWith('CVSS')) tryVector(s.score, record.id);
  }
  const best = (list: typeof scored) => [...list].sort((a, b) => b.version.localeCompare(a.version) || b.score - a.score)[0];
  let cvss = best(scored);
  if (!cvss) {
    for (const c of cves) {
      const e = ctx.enrichment.get(c);
      if (e?.cvss4Vector) tryVector(e.cvss4Vector, `${c} (${e.cvss4Source ?? 'enrichment'})`);
      if (e?.cvss3Vector) tryVector(e.cvss3Vector, `${c} (${e.cvss3Source ?? 'enrichment'})`);
    }
    // a DSA fixing several CVEs takes the worst of them
    cvss = [...scored].sort((a, b) => b.score - a.score)[0];
  }
  if (cvss) {
    const sev: Severity = cvss.score >= 9 ? 'CRITICAL' : cvss.score >= 7 ? 'HIGH' : cvss.score >= 4 ? 'MEDIUM' : cvss.score > 0 ? 'LOW' : 'NONE';
    return { severity: sev, cvss, kev, cves };
  }
  const word = String((record?.database_specific as { severity?: unknown } | undefined)?.severity ?? record?.affected?.map((a) => (a.ecosystem_specific as { severity?: unknown } | undefined)?.severity).find(Boolean) ?? '').toUpperCase();
  return { severity: WORD_SEVERITY[word] ?? 'UNKNOWN', kev, cves };
}

// ─── issue 16: the Vigil score of a finding (no resource context: lifecycle.ts adds it) ─────────

/**
 * The Vigil score of a finding of this advisory (src/findings/score.ts): its base from
 * {@link severityOf}, the exploit intelligence of its CVEs, and whether the match has a fix.
 */
export function scoringOf(sev: ReturnType<typeof severityOf>, type: ScanFinding['type'], ctx: AdvisoryContext, fixAvailable: boolean): VigilScoring {
  return vigilScore({
    type, base: sev.cvss ?? null, fixAvailable,
    ...(sev.cvss || sev.severity === 'UNKNOWN' ? {} : { advisorySeverity: sev.severity }),
    ...exploitInputs(sev.cves, ctx.enrichment),
  });
}

/** What every finding of one advisory repeats: its severity, aliases and first references. */
interface AdvisoryPart {
  sev: ReturnType<typeof severityOf>;
  /** the Vigil score without and with a fix, computed when first needed */
  scoring: [VigilScoring | undefined, VigilScoring | undefined];
  aliases: string[];
  references: string[];
}
/** per context, by finding type and advisory id (a context's records and enrichment are only ever added to) */
const advisoryParts = new WeakMap<AdvisoryContext, Map<string, AdvisoryPart>>();
function advisoryPart(ctx: AdvisoryContext, full: OsvRecord | undefined, m: { id: string; type: ScanFinding['type']; aliases: string[] }, vulnerability?: string): AdvisoryPart {
  // (distro CVE split) one of the CVEs a distribution advisory fixes: severity, KEV and aliases are that CVE's
  const record = full && vulnerability !== undefined ? recordForVulnerability(full, vulnerability) : full;
  const compute = (): AdvisoryPart => ({
    sev: severityOf(record, m.type, ctx),
    scoring: [undefined, undefined],
    aliases: [...new Set([...(record?.aliases ?? m.aliases), ...(record?.upstream ?? [])])].sort(),
    references: (record?.references ?? []).slice(0, 10).map((r) => r.url),
  });
  if (!record) return compute(); // (aliases then come from the match: not shared)
  let memo = advisoryParts.get(ctx);
  if (!memo) advisoryParts.set(ctx, (memo = new Map()));
  const key = `${m.type}\u0000${m.id}\u0000${vulnerability ?? ''}`;
  let part = memo.get(key);
  if (!part) memo.set(key, (part = compute()));
  return part;
}

/**
 * (distro CVE split) Each match with the vulnerability its finding is keyed by: once per vulnerability
 * the record fixes (vulndb/vulnerabilities.ts), or once with `vulnerability` undefined (keyed by the
 * record's own alias group). `several`: the record fixes more than one.
 */
function* perVulnerability(matches: readonly MatchReport['packages'][number]['matches'][number][], ctx: AdvisoryContext) {
  for (const m of matches) {
    const record = ctx.records.get(m.id);
    const fixed = record && m.type === 'vulnerability' ? fixedVulnerabilities(record) : [];
    if (fixed.length === 0) yield { m, record, vulnerability: undefined, several: false };
    else for (const vulnerability of fixed) yield { m, record, vulnerability, several: fixed.length > 1 };
  }
}

export function buildScanResult(args: {
  target: ScanTarget;
  packages: Package[];
  errors: ScanResult['errors'];
  report: MatchReport;
  ctx: AdvisoryContext;
  createdAt: string;
  version: string;
}): ScanResult {
  const { packages, report, ctx } = args;
  // the index of each package the report names (its last, as a map of every package would keep):
  // no entry per package of a big inventory that nothing affects
  const indexOf = new Map<Package, number>();
  for (const pr of report.packages) indexOf.set(pr.package, -1);
  for (let i = 0; i < packages.length; i++) if (indexOf.has(packages[i])) indexOf.set(packages[i], i);
  const findings: ScanFinding[] = [];
  const unknown: ScanResult['unknown'] = [];
  const fixes: ScanResult['fixes'] = [];
  for (const pr of report.packages) {
    const packageIndex = indexOf.get(pr.package) ?? -1;
    if (packageIndex < 0) continue;
    // what was searched: the same for every match of the package
    const searched = { ecosystem: pr.searched.ecosystem, name: pr.searched.name, version: pr.searched.version };
    // (distro CVE split) a DSA/DLA/ALSA fixing several CVEs: one finding per CVE, the advisory its
    // source (src/vulndb/README.md, "Distribution findings by CVE"); any other record: one finding
    for (const { m, record, vulnerability, several } of perVulnerability(pr.matches, ctx)) {
      const a = advisoryPart(ctx, record, m, vulnerability);
      const d = m.detail;
      const scoring = (a.scoring[d.fixAvailable ? 1 : 0] ??= scoringOf(a.sev, m.type, ctx, d.fixAvailable));
      findings.push({
        type: m.type,
        id: m.id,
        vulnerability: vulnerability === undefined ? ctx.groups.get(m.id) ?? m.id : ctx.groups.get(vulnerability) ?? vulnerability,
        aliases: a.aliases,
        // (distro CVE split) the advisory's summary ("openssl - security update") names no single CVE
        // of several: such findings are titled "<CVE> - <package>"
        summary: several ? undefined : m.summary ?? record?.summary,
        severity: scoring.severity,
        ...(a.sev.cvss ? { cvss: a.sev.cvss } : {}),
        kev: a.sev.kev,
        scoring,
        packageIndex,
        installedVersion: pr.package.version,
        fixedVersion: d.fixedBy,
        fixAvailable: d.fixAvailable,
        explanation: {
          record: d.record, searched, scheme: d.scheme,
          hit: d.hit.by === 'versions' ? d.hit : { by: 'range', range: d.hit.range, type: d.hit.type, events: d.hit.events as unknown as Record<string, string>[] },
          fixed: d.fixed, fixedBy: d.fixedBy, fixAvailable: d.fixAvailable,
          ...(d.status ? { status: d.status } : {}), ...(d.skipped?.length ? { skipped: d.skipped } : {}),
        },
        references: a.references,
      });
    }
    for (const u of pr.unknown) unknown.push({ packageIndex, id: u.id, reason: u.reason });
    if (pr.fix) fixes.push({ packageIndex, version: pr.fix.version, closes: pr.fix.closes, ...(pr.fix.reason ? { reason: pr.fix.reason } : {}) });
  }
  const rank = (s: Severity) => ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'NONE', 'UNKNOWN'].indexOf(s);
  findings.sort((a, b) => a.packageIndex - b.packageIndex || rank(a.severity) - rank(b.severity) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) || (a.vulnerability < b.vulnerability ? -1 : a.vulnerability > b.vulnerability ? 1 : 0));
  return {
    schemaVersion: 1,
    tool: { name: 'vigil', version: args.version },
    createdAt: args.createdAt,
    target: args.target,
    packages,
    findings,
    unknown,
    errors: args.errors,
    fixes,
    ...partialOf(args.errors),
  };
}

/** `{ partial }` when some file was skipped for a limit, else nothing (complete results keep their shape). */
export function partialOf(errors: ScanResult['errors']): Pick<ScanResult, 'partial'> {
  const s = summarizeSkipped(errors);
  return s ? { partial: s } : {};
}
