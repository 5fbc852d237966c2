import { z } from 'zod';
import type { OsvAffected, OsvRecord } from '../../../../model/index.ts';
import type { FormatOutput } from '../../types.ts';
import { DEBIAN_UNNUMBERED_SUITES, debianReleaseNumber, debianVersionProblem } from '../releases.ts';

/**
 * Parser for the Debian security tracker's JSON export (https://security-tracker.debian.org/tracker/data/json):
 *
 * ```
 * { "<source package>": { "<CVE-id or TEMP-id>": {
 *     "description": "...", "scope": "local|remote", "debianbug": 123,
 *     "releases": { "<codename>": {
 *       "status": "resolved|open|undetermined", "fixed_version": "1.2-3", "urgency": "low",
 *       "repositories": { "<suite>": "<version in it>" }, "nodsa": "...", "nodsa_reason": "..." } } } } }
 * ```
 *
 * The export has no documented schema; the shape above is the tracker's `json` view
 * (security-tracker lib/python/security_db.py, `json_data`).
 */

const releaseSchema = z.looseObject({
  status: z.string(),
  fixed_version: z.string().optional(),
  urgency: z.string().optional(),
  repositories: z.record(z.string(), z.string()).optional(),
  nodsa: z.string().optional(),
  nodsa_reason: z.string().optional(),
});

const issueSchema = z.looseObject({
  description: z.string().optional(),
  scope: z.string().optional(),
  debianbug: z.number().optional(),
  releases: z.record(z.string(), releaseSchema),
});

type Issue = z.infer<typeof issueSchema>;
type Release = z.infer<typeof releaseSchema>;

const CVE_ID = /^CVE-\d{4}-\d{4,}$/;

/** Options of the JSON export parser. */
export interface TrackerJsonOptions {
  /**
   * `modified` for every record: the export carries no dates. The importer should pass the time
   * the file was fetched (or its Last-Modified); see README.md.
   */
  modified: string;
}

/**
 * Parses the whole export. Records are grouped by CVE (one CVE appears under several source
 * packages) and emitted once the file is read, in order of first appearance. Linear in the input.
 * Keys that are not CVE ids (the tracker's `TEMP-…` placeholders) are skipped: they are not
 * stable identifiers.
 */
export function parseTrackerJson(path: string, text: string, opts: TrackerJsonOptions, out: FormatOutput): void {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    out.error({ input: path, rule: 'not-json', message: `${path}: ${(e as Error).message}` });
    return;
  }
  if (!isPlainObject(doc)) {
    out.error({ input: path, rule: 'tracker-json-shape', message: `${path}: top level must be an object of source packages` });
    return;
  }

  const byCve = new Map<string, OsvRecord>();
  for (const [pkg, issues] of Object.entries(doc)) {
    if (!isPlainObject(issues)) {
      out.error({ input: `${path}:${pkg}`, rule: 'tracker-json-shape', message: `package ${JSON.stringify(pkg)}: value must be an object of issues` });
      continue;
    }
    for (const [cve, raw] of Object.entries(issues)) {
      if (!CVE_ID.test(cve)) continue;
      const where = `${path}:${pkg}/${cve}`;
      const parsed = issueSchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        out.error({ input: where, rule: 'tracker-json-shape', message: `${pkg} ${cve}: ${issue.path.join('.') || '(issue)'}: ${issue.message}` });
        continue;
      }
      let rec = byCve.get(cve);
      if (rec === undefined) {
        rec = { id: `DEBIAN-${cve}`, modified: opts.modified, upstream: [cve], affected: [], references: [{ type: 'ADVISORY', url: `https://security-tracker.debian.org/tracker/${cve}` }] };
        byCve.set(cve, rec);
      }
      addIssue(rec, pkg, cve, parsed.data, where, out);
    }
  }
  for (const rec of byCve.values()) {
    if (rec.affected!.length === 0) delete rec.affected;
    out.record(rec);
  }
}

function addIssue(rec: OsvRecord, pkg: string, cve: string, issue: Issue, where: string, out: FormatOutput): void {
  if (rec.details === undefined && issue.description) rec.details = issue.description;
  for (const [codename, rel] of Object.entries(issue.releases)) {
    const number = debianReleaseNumber(codename);
    if (number === undefined) {
      if (!DEBIAN_UNNUMBERED_SUITES.has(codename)) {
        out.error({ input: `${where}/${codename}`, rule: 'unknown-release', message: `${pkg} ${cve}: unknown Debian release codename ${JSON.stringify(codename)}` });
      }
      continue;
    }
    const a = affectedFor(pkg, number, codename, cve, rel, `${where}/${codename}`, out);
    if (a === undefined) continue;
    const dbs = a.database_specific!;
    if (issue.debianbug !== undefined) dbs.debianbug = issue.debianbug;
    if (issue.scope !== undefined) dbs.scope = issue.scope;
    rec.affected!.push(a);
  }
}

/**
 * resolved + fixed_version "0" → not affected (empty `versions`, no range); resolved + version →
 * fixed; open → affected, no fix; undetermined → affected, no fix, status kept so that matching
 * can say "unknown". The tracker's status string is kept in `database_specific.status`.
 */
function affectedFor(pkg: string, number: string, codename: string, cve: string, rel: Release, where: string, out: FormatOutput): OsvAffected | undefined {
  const dbs: Record<string, unknown> = { release: codename };
  if (rel.urgency !== undefined) dbs.urgency = rel.urgency;
  if (rel.nodsa !== undefined) dbs.nodsa = rel.nodsa;
  if (rel.nodsa_reason) dbs.nodsa_reason = rel.nodsa_reason;
  const a: OsvAffected = { package: { ecosystem: `Debian:${number}`, name: pkg }, database_specific: dbs };
  const fixed = rel.fixed_version;

  switch (rel.status) {
    case 'resolved':
      if (fixed === undefined || fixed === '') {
        out.error({ input: where, rule: 'missing-fixed-version', message: `${pkg} ${cve} ${codename}: status "resolved" without fixed_version` });
        return undefined;
      }
      if (fixed === '0') {
        dbs.status = 'not-affected';
        a.versions = [];
        return a;
      }
      if (debianVersionProblem(fixed) !== undefined) {
        // kept: matching reports "unknown" for an unparseable bound instead of a silent "not affected"
        out.error({ input: where, rule: 'invalid-version', message: `${pkg} ${cve} ${codename}: invalid Debian version ${JSON.stringify(fixed)}: ${debianVersionProblem(fixed)}` });
      }
      dbs.status = 'resolved';
      a.ranges = [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }];
      return a;
    case 'open':
    case 'undetermined':
      dbs.status = rel.status;
      a.ranges = [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }];
      return a;
    default:
      out.error({ input: where, rule: 'unknown-status', message: `${pkg} ${cve} ${codename}: unknown status ${JSON.stringify(rel.status)}` });
      return undefined;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
