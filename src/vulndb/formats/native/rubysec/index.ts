/**
 * rubysec/ruby-advisory-db YAML (`gems/<gem>/<id>.yml`, `rubies/<engine>/<id>.yml`) → OSV.
 * Format: https://github.com/rubysec/ruby-advisory-db#schema (CONTRIBUTING.md there).
 *
 * Affected versions are the complement of `patched_versions ∪ unaffected_versions` in Gem::Version
 * order (@renovatebot/ruby-semver), written as one ECOSYSTEM range.
 *
 * One record per file, id `RUBYSEC-<gem>-<file stem>`; the file's GHSA, CVE and OSVDB ids are
 * aliases. Never a GHSA or CVE as the id: the store keys records by id (last writer wins), and
 * osv.dev's own GHSA records would collide; alias groups join them for display.
 */
import { parseYaml } from '../../../../model/yaml.ts';
import { z } from 'zod';
import { create as gemVersion, type Version as GemVersion } from '@renovatebot/ruby-semver/dist/ruby/version.js';
import type { OsvAffected, OsvRecord } from '../../../../model/index.ts';
import type { AdvisoryFormat, FormatEntry, FormatOutput } from '../../types.ts';
import { dayToIso, emitRecord, firstIssue, purlFor, references, stem, uniqSorted } from '../common.ts';
import { complement, intersect, normalize, toEvents, type Interval, ALL } from '../intervals.ts';

const PATH = /(?:^|\/)(gems|rubies)\/([^/]+)\/([^/]+)\.ya?ml$/;
const MARKER = /^(?:gem|engine):/m;

const str = z.union([z.string(), z.number()]).transform(String);
const strList = z.array(str);
const schema = z.object({
  gem: z.string().min(1).optional(),
  engine: z.string().min(1).optional(),
  library: z.string().optional(),
  framework: z.string().optional(),
  platform: z.string().optional(),
  cve: str.optional(),
  ghsa: str.optional(),
  osvdb: str.optional(),
  url: z.string().optional(),
  title: z.string(),
  date: str,
  last_update: str.optional(),
  description: z.string().optional(),
  cvss_v2: z.number().nullable().optional(),
  cvss_v3: z.number().nullable().optional(),
  cvss_v4: z.number().nullable().optional(),
  patched_versions: strList.nullable().optional(),
  unaffected_versions: strList.nullable().optional(),
  related: z
    .object({
      url: strList.optional(),
      cve: strList.optional(),
      ghsa: strList.optional(),
      osvdb: strList.optional(),
    })
    .nullable()
    .optional(),
  notes: z.string().optional(),
});
type Native = z.infer<typeof schema>;

/** Gem::Version order. Both versions must already be valid (checked by `parseConstraint`). */
export function compareGem(a: string, b: string): number {
  return gemVersion(a).compare(gemVersion(b));
}

function validGem(v: string): GemVersion | null {
  try {
    return gemVersion(v);
  } catch {
    return null;
  }
}

/**
 * One rubysec constraint ("~> 4.2.5, >= 4.2.5.1": requirements joined by "," all hold) → the
 * versions it admits. `~> v` is `>= v, < v.bump` (Gem::Requirement; the gem rule also excludes
 * prereleases of v.bump, which OSV cannot say). Throws a message naming the bad part.
 */
export function parseConstraint(text: string): Interval[] {
  let acc: Interval[] = [ALL];
  for (const part of text.split(',')) {
    const m = /^\s*(=|!=|>=|<=|>|<|~>)?\s*([0-9][0-9A-Za-z.\-]*)\s*$/.exec(part);
    if (!m) throw new Error(`unparseable requirement ${JSON.stringify(part.trim())} in ${JSON.stringify(text)}`);
    const op = m[1] ?? '=';
    const v = m[2];
    const parsed = validGem(v);
    if (!parsed) throw new Error(`invalid Gem version ${JSON.stringify(v)} in ${JSON.stringify(text)}`);
    let req: Interval[];
    switch (op) {
      case '=': req = [{ lo: { v, inclusive: true }, hi: { v, inclusive: true } }]; break;
      case '!=': req = [{ hi: { v, inclusive: false } }, { lo: { v, inclusive: false } }]; break;
      case '>=': req = [{ lo: { v, inclusive: true } }]; break;
      case '>': req = [{ lo: { v, inclusive: false } }]; break;
      case '<=': req = [{ hi: { v, inclusive: true } }]; break;
      case '<': req = [{ hi: { v, inclusive: false } }]; break;
      default: req = [{ lo: { v, inclusive: true }, hi: { v: parsed.bump().version(), inclusive: false } }];
    }
    acc = intersect(acc, req, compareGem);
  }
  return acc;
}

/**
 * Affected versions of one advisory: complement of patched ∪ unaffected.
 * @throws Error naming the constraint that could not be read
 */
export function affectedSet(patched: string[], unaffected: string[]): Interval[] {
  const covered = normalize([...patched, ...unaffected].flatMap(parseConstraint), compareGem);
  return complement(covered);
}

/** `RUBYSEC-<gem>-<file stem>`: "gems/actionpack/CVE-2016-0752.yml" → "RUBYSEC-actionpack-CVE-2016-0752". */
export function rubysecId(gem: string, path: string): string {
  return `RUBYSEC-${gem}-${stem(path)}`;
}

function fullId(prefix: string, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const v = raw.trim();
  if (!v) return undefined;
  if (prefix === 'CVE') return /^CVE-/i.test(v) ? v.toUpperCase() : `CVE-${v}`;
  if (prefix === 'GHSA') return /^GHSA-/i.test(v) ? `GHSA-${v.slice(5).toLowerCase()}` : `GHSA-${v.toLowerCase()}`;
  return /^OSVDB-/i.test(v) ? v.toUpperCase() : `OSVDB-${v}`;
}

function convert(path: string, kind: string, dirName: string, y: Native, out: FormatOutput): OsvRecord | undefined {
  if (kind === 'rubies' || y.engine !== undefined) {
    // OSV has no ecosystem for Ruby interpreters (ruby, jruby, mruby, ...); a RubyGems record would
    // match a gem that happens to share the name (jruby is also a gem name, with other versions).
    out.error({ input: path, rule: 'unsupported-ecosystem', message: `${path}: Ruby interpreter advisory (engine ${JSON.stringify(y.engine ?? dirName)}) has no OSV ecosystem; skipped` });
    return undefined;
  }
  const gem = y.gem;
  if (!gem) {
    out.error({ input: path, rule: 'rubysec-schema', message: `${path}: no "gem" key` });
    return undefined;
  }
  const patched = y.patched_versions ?? [];
  const unaffected = y.unaffected_versions ?? [];
  let set: Interval[];
  try {
    set = affectedSet(patched, unaffected);
  } catch (e) {
    out.error({ input: path, rule: 'unparseable-constraint', message: `${path}: ${(e as Error).message}` });
    return undefined;
  }
  const { events, inexact } = toEvents(set, { isMinimum: (v) => compareGem(v, '0') === 0 });
  if (events.length === 0) {
    out.error({ input: path, rule: 'no-affected-versions', message: `${path}: patched_versions ∪ unaffected_versions cover every version` });
    return undefined;
  }
  const published = dayToIso(y.date);
  if (!published) {
    out.error({ input: path, rule: 'invalid-date', message: `${path}: date ${JSON.stringify(y.date)} is not YYYY-MM-DD` });
    return undefined;
  }
  const modified = (y.last_update !== undefined ? dayToIso(y.last_update) : undefined) ?? published;

  const ghsa = fullId('GHSA', y.ghsa);
  const cve = fullId('CVE', y.cve);
  const osvdb = fullId('OSVDB', y.osvdb);
  // stable per file, and unique: the folder is the gem (equal to `gem:` in every upstream file)
  const id = rubysecId(dirName, path);
  const aliases = uniqSorted([ghsa, cve, osvdb].filter((x): x is string => x !== undefined && x !== id));
  const related = uniqSorted([
    ...(y.related?.cve ?? []).map((c) => fullId('CVE', c)!),
    ...(y.related?.ghsa ?? []).map((g) => fullId('GHSA', g)!),
    ...(y.related?.osvdb ?? []).map((o) => fullId('OSVDB', o)!),
  ].filter((x) => x !== id && !aliases.includes(x)));

  const affected: OsvAffected = {
    package: { ecosystem: 'RubyGems', name: gem, ...(purlFor('gem', gem) ? { purl: purlFor('gem', gem) } : {}) },
    ranges: [{ type: 'ECOSYSTEM', events }],
    database_specific: {
      patched_versions: patched,
      unaffected_versions: unaffected,
      ...(y.url ? { url: y.url } : {}),
      ...(inexact.length ? { inexact } : {}),
      ...(y.framework ? { framework: y.framework } : {}),
      ...(y.platform ? { platform: y.platform } : {}),
      ...(y.library ? { library: y.library } : {}),
    },
  };
  const dbs: Record<string, unknown> = { source: 'rubysec', source_path: path };
  if (typeof y.cvss_v2 === 'number') dbs.cvss_v2_score = y.cvss_v2;
  if (typeof y.cvss_v3 === 'number') dbs.cvss_v3_score = y.cvss_v3;
  if (typeof y.cvss_v4 === 'number') dbs.cvss_v4_score = y.cvss_v4;

  const refs = references([{ type: 'ADVISORY', url: y.url }, ...(y.related?.url ?? []).map((url) => ({ type: 'WEB', url }))]);
  return {
    id,
    modified,
    published,
    ...(aliases.length ? { aliases } : {}),
    ...(related.length ? { related } : {}),
    summary: y.title.trim(),
    ...(y.description ? { details: y.description.trim() } : {}),
    affected: [affected],
    ...(refs.length ? { references: refs } : {}),
    database_specific: dbs,
  };
}

function parseEntry(entry: FormatEntry, out: FormatOutput): void {
  const m = PATH.exec(entry.path);
  if (!m) {
    out.error({ input: entry.path, rule: 'unexpected-path', message: `${entry.path}: not under gems/<gem>/ or rubies/<engine>/` });
    return;
  }
  let doc: unknown;
  try {
    doc = parseYaml(entry.data.toString('utf8'), entry.path).value;
  } catch (e) {
    out.error({ input: entry.path, rule: (e as { rule?: string }).rule === 'nesting-depth' ? 'nesting-depth' : 'not-yaml', message: (e as Error).message.split('\n')[0] });
    return;
  }
  const r = schema.safeParse(doc);
  if (!r.success) {
    out.error({ input: entry.path, rule: 'rubysec-schema', message: `${entry.path}: ${firstIssue(r.error)}` });
    return;
  }
  const rec = convert(entry.path, m[1], m[2], r.data, out);
  if (rec) emitRecord(out, entry.path, rec);
}

/** rubysec/ruby-advisory-db, one YAML file per advisory. */
export const rubysecFormat: AdvisoryFormat = {
  name: 'native/rubysec',
  kind: 'advisories',
  detect(path, head) {
    return PATH.test(path) && MARKER.test(head);
  },
  parse: parseEntry,
  // no mergeById: every file is its own record (one GHSA over several gems gives one record per gem,
  // joined by their shared aliases)
};
