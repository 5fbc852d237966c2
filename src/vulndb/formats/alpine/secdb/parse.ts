import { checkNesting } from '../../../../model/index.ts';
import { parseYaml } from '../../../../model/yaml.ts';
import { z } from 'zod';
import type { OsvAffected, OsvRecord } from '../../../../model/index.ts';
import type { FormatOutput } from '../../types.ts';

/**
 * Parser for Alpine's secdb (https://secdb.alpinelinux.org/<branch>/<repo>.json, and the YAML
 * form kept in the alpine-secdb repository). Both carry the same document:
 *
 * ```yaml
 * distroversion: v3.11
 * reponame: main
 * packages:
 *   - pkg:
 *       name: ansible            # the origin (source) package
 *       secfixes:
 *         2.9.3-r0:              # fixed in this version
 *           - CVE-2019-14904
 *         "0":                   # never affected in this branch
 *           - CVE-2016-0682
 * ```
 *
 * The secfixes convention is documented at https://wiki.alpinelinux.org/wiki/Development_using_git:Security_fixes
 * (the `# secfixes:` block of an APKBUILD, from which secdb is generated).
 */

const packageSchema = z.looseObject({
  pkg: z.looseObject({
    name: z.string().min(1),
    // YAML `secfixes:` with nothing under it is null (or "" with the failsafe schema)
    secfixes: z.union([z.record(z.string(), z.union([z.array(z.string()), z.null(), z.literal('')])), z.null(), z.literal('')]).optional(),
  }),
});

const docSchema = z.looseObject({
  distroversion: z.string().regex(/^(v\d+\.\d+|edge)$/, 'distroversion must look like "v3.19" or "edge"'),
  reponame: z.string().optional(),
  // a repository without fixes has `packages:` empty (null, or "" with the failsafe schema)
  packages: z.union([z.array(z.unknown()), z.null(), z.literal('')]),
});

/** Options of the secdb parser. */
export interface SecdbOptions {
  /** `modified` for every record: secdb has no dates (see README.md). */
  modified: string;
}

/**
 * apk version syntax (apk-tools src/version.c): digits separated by dots, an optional letter,
 * suffixes `_alpha|_beta|_pre|_rc|_cvs|_svn|_git|_hg|_p` with optional numbers, then `-r<n>`.
 * Only used to flag data no comparison could use; ordering lives in versioning/.
 */
const APK_VERSION = /^\d+(\.\d+)*[a-z]?(_(alpha|beta|pre|rc|cvs|svn|git|hg|p)\d*)*(-r\d+)?$/;

const CVE = /^CVE-\d{4}-\d{4,}$/;
/** CVE-2017-17434-1: one of several patches for the same CVE */
const CVE_PART = /^(CVE-\d{4}-\d{4,})-\d+$/;
const CVE_PLACEHOLDER = /^CVE-[?X]+-[?X]+$/i;
/** XSA-254, TALOS-2019-0001, ZBX-11023, wnpa-sec-2017-18 */
const OTHER_ID = /^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*-\d+$/;

/** What one secfixes item names. */
export interface SecfixItem {
  cves: string[];
  /** non-CVE identifiers (XSA-254, TALOS-…, ZBX-…, wnpa-sec-…) */
  others: string[];
  /** text that is not an identifier: parenthesized remarks, words like "XPTI" */
  note?: string;
}

/**
 * Reads one secfixes item. Items are usually one CVE id, but the real data also has
 * "CVE-2019-1 XSA-123", "XSA-123" alone, "CVE-2019-1 (BGP)", "CVE-????-?????  XSA-284",
 * "CVE_2019-2426", "CVE 2018-16859", "CVE-2017-8073.patch" and "CVE-2017-17434-1": all are read
 * as the ids they obviously mean. Placeholder CVEs ("CVE-????-?????") are dropped.
 */
export function parseSecfixItem(text: string): SecfixItem {
  const notes: string[] = [];
  let s = text.replace(/\(([^()]*)\)/g, (_m, inner: string) => {
    notes.push(inner.trim());
    return ' ';
  });
  s = s.replace(/\bCVE[_ ](?=\d{4}-\d)/g, 'CVE-');
  const cves: string[] = [];
  const others: string[] = [];
  for (let tok of s.split(/\s+/).filter((t) => t !== '')) {
    tok = tok.replace(/\.patch$/, '').replace(/[,;]$/, '');
    const part = CVE_PART.exec(tok);
    if (part !== null) tok = part[1];
    if (CVE.test(tok)) {
      if (!cves.includes(tok)) cves.push(tok);
    } else if (CVE_PLACEHOLDER.test(tok)) {
      // "CVE-????-?????": no CVE assigned yet; the other ids on the line still count
    } else if (OTHER_ID.test(tok)) {
      if (!others.includes(tok)) others.push(tok);
    } else {
      notes.push(tok);
    }
  }
  const item: SecfixItem = { cves, others };
  const note = notes.filter((n) => n !== '').join('; ');
  if (note !== '') item.note = note;
  return item;
}

interface Fix {
  version: string;
  note?: string;
}

/**
 * Parses one secdb document (YAML or JSON). One record per vulnerability id in the file:
 * `ALPINE-<CVE>` for CVEs; for items that name no CVE, `ALPINE-<id>` of each other id (XSA-…).
 * The format sets `mergeById`, so the pipeline joins the records of one id across branch files.
 */
export function parseSecdb(path: string, text: string, opts: SecdbOptions, out: FormatOutput): void {
  let raw: unknown;
  try {
    // failsafe: every scalar stays a string, so a version key like 1.10 is not read as the number 1.1
    raw = /^\uFEFF?\s*[{[]/.test(text) ? JSON.parse(text) : parseYaml(text, path, { schema: 'failsafe' }).value;
    checkNesting(raw, path);
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    out.error({ input: path, rule: (e as { rule?: string }).rule === 'nesting-depth' ? 'nesting-depth' : 'not-yaml', message: msg.startsWith(path) ? msg : `${path}: ${msg}` });
    return;
  }
  const doc = docSchema.safeParse(raw);
  if (!doc.success) {
    const issue = doc.error.issues[0];
    out.error({ input: path, rule: 'secdb-shape', message: `${path}: ${issue.path.join('.') || '(document)'}: ${issue.message}` });
    return;
  }
  const branch = doc.data.distroversion;
  const repo = doc.data.reponame;
  const ecosystem = `Alpine:${branch}`;
  const packages = Array.isArray(doc.data.packages) ? doc.data.packages : [];

  // id → package → fixes, in order of first appearance
  const byId = new Map<string, { upstream: string; related: string[]; pkgs: Map<string, Fix[]> }>();
  const add = (id: string, related: string[], pkg: string, fix: Fix) => {
    let e = byId.get(id);
    if (e === undefined) {
      e = { upstream: id, related: [], pkgs: new Map() };
      byId.set(id, e);
    }
    for (const r of related) if (r !== id && !e.related.includes(r)) e.related.push(r);
    const fixes = e.pkgs.get(pkg) ?? [];
    if (!fixes.some((f) => f.version === fix.version)) fixes.push(fix);
    e.pkgs.set(pkg, fixes);
  };

  packages.forEach((p, i) => {
    const parsed = packageSchema.safeParse(p);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      out.error({ input: `${path}:packages[${i}]`, rule: 'secdb-shape', message: `packages[${i}].${issue.path.join('.')}: ${issue.message}` });
      return;
    }
    const name = parsed.data.pkg.name;
    const secfixes = parsed.data.pkg.secfixes;
    if (secfixes === undefined || secfixes === null || secfixes === '') return;
    for (const [version, items] of Object.entries(secfixes)) {
      const where = `${path}:${name}@${version}`;
      if (items === null || items === '' || items.length === 0) {
        out.error({ input: where, rule: 'empty-secfixes', message: `${name} ${version}: no ids listed under this version` });
        continue;
      }
      if (version !== '0' && !APK_VERSION.test(version)) {
        // kept: matching reports "unknown" for an unparseable bound instead of a silent "not affected"
        out.error({ input: where, rule: 'invalid-version', message: `${name}: invalid apk version ${JSON.stringify(version)} in ${branch}/${repo ?? '?'}` });
      }
      for (const item of items) {
        const it = parseSecfixItem(item);
        const fix: Fix = { version, ...(it.note !== undefined ? { note: it.note } : {}) };
        if (it.cves.length > 0) {
          for (const cve of it.cves) add(cve, it.others, name, fix);
        } else if (it.others.length > 0) {
          for (const other of it.others) add(other, it.others, name, fix);
        } else {
          out.error({ input: where, rule: 'no-vulnerability-id', message: `${name} ${version}: no vulnerability id in ${JSON.stringify(item)}` });
        }
      }
    }
  });

  for (const [id, e] of byId) {
    const affected: OsvAffected[] = [];
    for (const [pkg, fixes] of e.pkgs) affected.push(...affectedFor(ecosystem, pkg, repo, fixes));
    const rec: OsvRecord = {
      id: `ALPINE-${id}`,
      modified: opts.modified,
      upstream: [e.upstream],
      affected,
    };
    if (e.related.length > 0) rec.related = e.related;
    out.record(rec);
  }
}

/**
 * Fixed versions become one affected entry with one ECOSYSTEM range per version (a CVE listed
 * under two versions of one package, e.g. a fix and its regression fix, is affected below the
 * higher one). Version "0" means never affected in this branch: an entry with an empty
 * `versions` list and status "not-affected".
 */
function affectedFor(ecosystem: string, name: string, repo: string | undefined, fixes: Fix[]): OsvAffected[] {
  const result: OsvAffected[] = [];
  const real = fixes.filter((f) => f.version !== '0');
  const zero = fixes.find((f) => f.version === '0');
  const base = (status: string, note: string | undefined): Record<string, unknown> => ({
    ...(repo !== undefined ? { repo } : {}),
    status,
    ...(note !== undefined ? { note } : {}),
  });
  if (zero !== undefined && real.length === 0) {
    result.push({ package: { ecosystem, name }, versions: [], database_specific: base('not-affected', zero.note) });
  }
  if (real.length > 0) {
    const notes = real.map((f) => f.note).filter((n): n is string => n !== undefined);
    result.push({
      package: { ecosystem, name },
      ranges: real.map((f) => ({ type: 'ECOSYSTEM' as const, events: [{ introduced: '0' }, { fixed: f.version }] })),
      database_specific: base('fixed', notes.length > 0 ? notes.join('; ') : undefined),
    });
  }
  return result;
}
