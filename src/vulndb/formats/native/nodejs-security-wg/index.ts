/**
 * nodejs/security-wg advisories (`vuln/npm/<n>.json`, `vuln/core/<n>.json`, `vuln/deps/<n>.json`) →
 * OSV. Format: https://github.com/nodejs/security-wg/tree/main/vuln (npm entries follow the former
 * Node Security Platform schema; `vulnerable_versions` / `patched_versions` are node-semver ranges,
 * https://github.com/npm/node-semver#ranges).
 *
 * npm: one `affected` entry per `||` clause of `vulnerable_versions`, with a SEMVER range.
 * core: the Node.js runtime's advisories, into OSV's Bitnami ecosystem as package "node" (vulnerable
 * minus patched, one SEMVER range; src/extractors/runtime/README.md says why Bitnami).
 * deps and index.json files: claimed and ignored (see README.md).
 */
import semver from 'semver';
import { z } from 'zod';
import type { OsvAffected, OsvRecord, OsvSeverity } from '../../../../model/index.ts';
import type { AdvisoryFormat, FormatEntry, FormatOutput } from '../../types.ts';
import { dayToIso, emitRecord, firstIssue, isRfc3339, purlFor, references, stem, timestampToIso, uniqSorted } from '../common.ts';
import { ALL, complement, formatSet, intersect, intersectOne, normalize, toEvents, type Interval } from '../intervals.ts';
import { RUNTIME_ECOSYSTEM } from '../../../../extractors/runtime/index.ts';

const PATH = /(?:^|\/)vuln\/(npm|core|deps)\/([^/]+)\.json$/;
/** An OSV record (or anything that has its shape) is never ours. */
const OSV_MARKER = /"(?:schema_version|affected|aliases)"\s*:/;
const INDEX_MARKER = /^\s*\{\s*"\d+"\s*:\s*\{/;

/** SemVer order (node-semver, loose: "v1.2.3" and "=1.2.3" read as 1.2.3). */
export function compareSemver(a: string, b: string): number {
  return semver.compare(a, b, true);
}

/** The smallest SemVer version above v: 1.2.3 → 1.2.4-0; 1.2.3-alpha → 1.2.3-alpha.0. */
export function semverSuccessor(v: string): string | undefined {
  const p = semver.parse(v, true);
  if (!p) return undefined;
  return p.prerelease.length ? `${p.major}.${p.minor}.${p.patch}-${p.prerelease.join('.')}.0` : `${p.major}.${p.minor}.${p.patch + 1}-0`;
}

/**
 * One comparator set of a node-semver range (one `||` clause) → the interval it admits.
 * node-semver desugars x-ranges, `~`, `^` and hyphens into `>=`/`<` pairs; its upper bounds of the
 * form `<X.Y.Z-0` (from `<=1.0`, `^1.2.3`, `1.x`) are read as `<X.Y.Z`: npm itself does not match
 * prereleases of X.Y.Z against such a range, and OSV databases write `fixed: X.Y.Z`.
 * @throws TypeError from node-semver for a clause it cannot read
 */
export function clauseInterval(clause: string): Interval {
  const range = new semver.Range(clause, { loose: true });
  if (range.set.length !== 1) throw new TypeError(`${JSON.stringify(clause)} is not a single comparator set`);
  let acc: Interval = ALL;
  for (const c of range.set[0]) {
    if (c.value === '') continue; // node-semver's ANY comparator ("*", "", "x")
    const s = c.semver as semver.SemVer;
    let v = s.version;
    let req: Interval;
    switch (c.operator) {
      case '>=': req = { lo: { v, inclusive: true } }; break;
      case '>': req = { lo: { v, inclusive: false } }; break;
      case '<':
        if (s.prerelease.length === 1 && s.prerelease[0] === 0) v = `${s.major}.${s.minor}.${s.patch}`;
        req = { hi: { v, inclusive: false } };
        break;
      case '<=': req = { hi: { v, inclusive: true } }; break;
      default: req = { lo: { v, inclusive: true }, hi: { v, inclusive: true } };
    }
    acc = intersectOne(acc, req, compareSemver);
  }
  return acc;
}

/** A whole range (clauses joined by `||`) as a normalized set. @throws TypeError when unreadable */
export function rangeSet(range: string): Interval[] {
  return normalize(splitClauses(range).map(clauseInterval), compareSemver);
}

function splitClauses(range: string): string[] {
  return range.split('||').map((c) => c.trim());
}

const isMinimum = (v: string) => semver.valid(v, true) !== null && semver.eq(v, '0.0.0', true);

const npmSchema = z.object({
  id: z.union([z.number(), z.string()]),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
  publish_date: z.string().optional(),
  title: z.string(),
  author: z.object({ name: z.string().nullable().optional() }).nullable().optional(),
  module_name: z.string().min(1),
  cves: z.array(z.string()).nullable().optional(),
  vulnerable_versions: z.string(),
  patched_versions: z.string().nullable().optional(),
  overview: z.string().nullable().optional(),
  recommendation: z.string().nullable().optional(),
  references: z.array(z.string()).nullable().optional(),
  cvss_vector: z.string().nullable().optional(),
  cvss_score: z.number().nullable().optional(),
  coordinating_vendor: z.string().nullable().optional(),
});
type NpmAdvisory = z.infer<typeof npmSchema>;

/**
 * The advisory's vector as OSV severity, when it is CVSS v3: "CVSS:3.x/..." as given, a bare v3
 * base vector ("AV:N/AC:L/PR:N/UI:N/S:U/...": PR, UI and S exist only in v3) with "CVSS:3.0/"
 * added. Anything else (v2 "AV:N/AC:L/Au:N/...") stays in database_specific.
 */
export function cvssV3(vector: string): string | undefined {
  const v = vector.trim();
  if (/^CVSS:3\.[01]\/AV:[NALP]\/AC:[LH]\/PR:[NLH]\/UI:[NR]\/S:[UC]\/C:[NLH]\/I:[NLH]\/A:[NLH](\/.*)?$/.test(v)) return v;
  if (/^AV:[NALP]\/AC:[LH]\/PR:[NLH]\/UI:[NR]\/S:[UC]\/C:[NLH]\/I:[NLH]\/A:[NLH](\/.*)?$/.test(v)) return `CVSS:3.0/${v}`;
  return undefined;
}

function isoOf(d: string | undefined): string | undefined {
  if (!d) return undefined;
  const iso = dayToIso(d) ?? timestampToIso(d) ?? (Number.isNaN(Date.parse(d)) ? undefined : new Date(Date.parse(d)).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  return iso !== undefined && isRfc3339(iso) ? iso : undefined; // toISOString gives "+010000-…" past year 9999
}

function convertNpm(path: string, y: NpmAdvisory, out: FormatOutput): OsvRecord | undefined {
  const id = `NSWG-ECO-${String(y.id).trim()}`;
  const name = y.module_name.trim();
  const vulnerable = y.vulnerable_versions.trim();
  const patchedText = y.patched_versions?.trim() || undefined;

  let patched: Interval[] | undefined;
  if (patchedText) {
    try {
      // "<0.0.0" is how the data says "no patch"; only its prereleases of 0.0.0 would remain
      patched = rangeSet(patchedText).filter((i) => !(!i.lo && i.hi && !i.hi.inclusive && isMinimum(i.hi.v)));
    } catch {
      patched = undefined; // only used to cross-check; an unreadable one is noted below
    }
  }

  const affected: OsvAffected[] = [];
  const purl = purlFor('npm', name);
  for (const clause of splitClauses(vulnerable)) {
    let set: Interval[];
    try {
      set = normalize([clauseInterval(clause)], compareSemver);
    } catch (e) {
      out.error({ input: path, rule: 'unparseable-constraint', message: `${path}: vulnerable_versions ${JSON.stringify(vulnerable)}: clause ${JSON.stringify(clause)}: ${(e as Error).message}` });
      return undefined; // a half-converted advisory would under-report: skip it whole
    }
    if (set.length === 0) continue; // e.g. "< 1.0.0 > 2.0.0": admits no version
    const { events } = toEvents(set, { successor: semverSuccessor, isMinimum });
    if (events.length === 0) continue;
    const dbs: Record<string, unknown> = { source: 'nodejs-security-wg', source_path: path, vulnerable_versions: vulnerable, clause };
    if (patchedText) dbs.patched_versions = patchedText;
    // cross-check: a version both vulnerable and patched means the advisory contradicts itself;
    // the range is kept as published (vulnerable_versions is the claim) and the overlap is named
    if (patched) {
      const overlap = intersect(set, patched, compareSemver);
      if (overlap.length) dbs.patched_overlap = formatSet(overlap);
    } else if (patchedText) dbs.patched_versions_unreadable = true;
    affected.push({ package: { ecosystem: 'npm', name, ...(purl ? { purl } : {}) }, ranges: [{ type: 'SEMVER', events }], database_specific: dbs });
  }
  if (affected.length === 0) {
    out.error({ input: path, rule: 'no-affected-versions', message: `${path}: vulnerable_versions ${JSON.stringify(vulnerable)} admits no version` });
    return undefined;
  }

  const published = isoOf(y.publish_date) ?? isoOf(y.created_at);
  const modified = isoOf(y.updated_at) ?? published;
  if (!modified) {
    out.error({ input: path, rule: 'invalid-date', message: `${path}: no readable updated_at, publish_date or created_at` });
    return undefined;
  }

  const severity: OsvSeverity[] = [];
  const dbs: Record<string, unknown> = { source: 'nodejs-security-wg', source_path: path };
  if (y.cvss_vector) {
    const v3 = cvssV3(y.cvss_vector);
    if (v3) severity.push({ type: 'CVSS_V3', score: v3 });
    else dbs.cvss_vector = y.cvss_vector;
  }
  if (typeof y.cvss_score === 'number') dbs.cvss_score = y.cvss_score;
  if (y.created_at) dbs.created_at = y.created_at;
  if (y.coordinating_vendor) dbs.coordinating_vendor = y.coordinating_vendor;

  const aliases = uniqSorted((y.cves ?? []).map((c) => c.trim().toUpperCase()).filter((c) => /^CVE-\d{4}-\d{4,}$/.test(c)));
  const details = [y.overview?.trim(), y.recommendation?.trim()].filter((s): s is string => !!s).join('\n\n');
  const refs = references((y.references ?? []).map((url) => ({ type: 'WEB', url })));
  const author = y.author?.name?.trim();
  return {
    id,
    modified,
    ...(published ? { published } : {}),
    ...(aliases.length ? { aliases } : {}),
    summary: y.title.trim(),
    ...(details ? { details } : {}),
    ...(severity.length ? { severity } : {}),
    affected,
    ...(refs.length ? { references: refs } : {}),
    ...(author ? { credits: [{ name: author }] } : {}),
    database_specific: dbs,
  };
}

const coreSchema = z.object({
  cve: z.array(z.string()).nullable().optional(),
  vulnerable: z.string().min(1),
  patched: z.string().nullable().optional(),
  ref: z.string().nullable().optional(),
  description: z.string().nullable().optional(),
  overview: z.string().nullable().optional(),
  publish_date: z.string().nullable().optional(),
  author: z.string().nullable().optional(),
  reported_by: z.string().nullable().optional(),
  type: z.string().nullable().optional(),
  cvss: z.string().nullable().optional(),
  cvss_score: z.number().nullable().optional(),
  severity: z.string().nullable().optional(),
  affectedEnvironments: z.array(z.string()).nullable().optional(),
});
type CoreAdvisory = z.infer<typeof coreSchema>;

/** Where Node.js runtime advisories go: Bitnami's OSV ecosystem and component name (src/extractors/runtime/README.md). */
export const NODE_RUNTIME = { ecosystem: RUNTIME_ECOSYSTEM, name: 'node', purl: 'pkg:bitnami/node' } as const;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * The first day of the security release named by a nodejs.org blog URL
 * (".../vulnerability/july-2017-security-releases/", ".../aug-2021-security-releases2/").
 */
export function releaseMonth(ref: string | null | undefined): string | undefined {
  const m = /\/vulnerability\/([a-z]+)-(\d{4})-security-releases/i.exec(ref ?? '');
  const month = m ? MONTHS.indexOf(m[1].slice(0, 3).toLowerCase()) : -1;
  return m && month >= 0 ? `${m[2]}-${String(month + 1).padStart(2, '0')}-01T00:00:00Z` : undefined;
}

/** When the source gives no date at all: OSV requires `modified`; changes are still found by content (src/vulndb/import.ts). */
const NO_DATE = '1970-01-01T00:00:00Z';

/**
 * A `vuln/core` advisory (Node.js itself) → OSV, ecosystem Bitnami, package "node". Affected
 * versions are `vulnerable` minus `patched` (both node-semver ranges: "18.x || 20.x" and
 * "^18.20.2 || ^20.12.2"), written as one SEMVER range.
 */
function convertCore(path: string, y: CoreAdvisory, out: FormatOutput): OsvRecord | undefined {
  const id = `NSWG-CORE-${stem(path)}`;
  const vulnerable = y.vulnerable.trim();
  const patchedText = y.patched?.trim() || undefined;
  let set: Interval[];
  try {
    set = rangeSet(vulnerable);
    if (patchedText) set = intersect(set, complement(rangeSet(patchedText)), compareSemver);
  } catch (e) {
    out.error({ input: path, rule: 'unparseable-constraint', message: `${path}: vulnerable ${JSON.stringify(vulnerable)} / patched ${JSON.stringify(patchedText ?? '')}: ${(e as Error).message}` });
    return undefined;
  }
  const { events } = toEvents(set, { successor: semverSuccessor, isMinimum });
  if (events.length === 0) {
    out.error({ input: path, rule: 'no-affected-versions', message: `${path}: vulnerable ${JSON.stringify(vulnerable)} minus patched ${JSON.stringify(patchedText ?? '')} admits no version` });
    return undefined;
  }
  const published = isoOf(y.publish_date ?? undefined) ?? releaseMonth(y.ref);
  const dbs: Record<string, unknown> = { source: 'nodejs-security-wg', source_path: path, vulnerable, ...(patchedText ? { patched: patchedText } : {}) };
  if (!published) dbs.dates = 'none in the source';
  if (y.severity) dbs.severity = y.severity;
  if (y.affectedEnvironments?.length) dbs.affected_environments = y.affectedEnvironments;
  if (y.type) dbs.type = y.type;
  if (typeof y.cvss_score === 'number') dbs.cvss_score = y.cvss_score;
  const severity: OsvSeverity[] = [];
  if (y.cvss) {
    // written "3.0/AV:N/..." in this data
    const v3 = cvssV3(/^3\.[01]\//.test(y.cvss.trim()) ? `CVSS:${y.cvss.trim()}` : y.cvss);
    if (v3) severity.push({ type: 'CVSS_V3', score: v3 });
    else dbs.cvss_vector = y.cvss;
  }
  const aliases = uniqSorted((y.cve ?? []).map((c) => c.trim().toUpperCase()).filter((c) => /^CVE-\d{4}-\d{4,}$/.test(c)));
  const summary = (y.description ?? '').trim() || (y.overview ?? '').trim().split('\n')[0] || `Node.js ${vulnerable}`;
  const details = y.overview?.trim();
  const refs = references(y.ref ? [{ type: /nodejs\.org\/en\/blog\/vulnerability/.test(y.ref) ? 'ADVISORY' : 'WEB', url: y.ref }] : []);
  const credit = (y.reported_by ?? y.author)?.trim();
  return {
    id,
    modified: published ?? NO_DATE,
    ...(published ? { published } : {}),
    ...(aliases.length ? { aliases } : {}),
    summary,
    ...(details ? { details } : {}),
    ...(severity.length ? { severity } : {}),
    affected: [{ package: { ...NODE_RUNTIME }, ranges: [{ type: 'SEMVER', events }] }],
    ...(refs.length ? { references: refs } : {}),
    ...(credit ? { credits: [{ name: credit }] } : {}),
    database_specific: dbs,
  };
}

function parseEntry(entry: FormatEntry, out: FormatOutput): void {
  const path = entry.path;
  const m = PATH.exec(path);
  if (!m) {
    out.error({ input: path, rule: 'unexpected-path', message: `${path}: not vuln/{npm,core,deps}/<n>.json` });
    return;
  }
  const [, kind, name] = m;
  // index.json repeats every advisory of its folder (keyed by id); the files themselves are read
  if (name === 'index') return;
  let doc: unknown;
  try {
    doc = JSON.parse(entry.data.toString('utf8'));
  } catch (e) {
    out.error({ input: path, rule: 'not-json', message: `${path}: ${(e as Error).message}` });
    return;
  }
  // deps: assessments that a dependency's CVE does NOT affect Node.js ("vulnerable_code_not_present")
  if (kind === 'deps') return;
  if (kind === 'core') {
    const c = coreSchema.safeParse(doc);
    if (!c.success) {
      out.error({ input: path, rule: 'nodejs-security-wg-schema', message: `${path}: ${firstIssue(c.error)}` });
      return;
    }
    const rec = convertCore(path, c.data, out);
    if (rec) emitRecord(out, path, rec);
    return;
  }
  const r = npmSchema.safeParse(doc);
  if (!r.success) {
    out.error({ input: path, rule: 'nodejs-security-wg-schema', message: `${path}: ${firstIssue(r.error)}` });
    return;
  }
  if (String(r.data.id) !== stem(path)) {
    // the id names the record; a renamed file would otherwise silently change nothing
    out.error({ input: path, rule: 'id-mismatch', message: `${path}: id ${JSON.stringify(r.data.id)} differs from the file name; the id is used` });
  }
  const rec = convertNpm(path, r.data, out);
  if (rec) emitRecord(out, path, rec);
}

/** nodejs/security-wg `vuln/` tree: npm advisories and the Node.js runtime's (core). */
export const nodejsSecurityWgFormat: AdvisoryFormat = {
  name: 'native/nodejs-security-wg',
  kind: 'advisories',
  detect(path, head) {
    const m = PATH.exec(path);
    if (!m || OSV_MARKER.test(head)) return false;
    if (m[2] === 'index') return INDEX_MARKER.test(head) || /^\s*\{\s*\}\s*$/.test(head);
    if (m[1] === 'npm') return /"module_name"\s*:/.test(head);
    if (m[1] === 'core') return /"vulnerable"\s*:/.test(head) || /"patched"\s*:/.test(head);
    return /"cve"\s*:/.test(head);
  },
  parse: parseEntry,
};
