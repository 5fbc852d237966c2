/**
 * rubysec/ruby-advisory-db YAML (`gems/<gem>/<id>.yml`, `rubies/<engine>/<id>.yml`) → OSV.
 * Format: https://github.com/rubysec/ruby-advisory-db#schema (CONTRIBUTING.md there).
 *
 * Affected versions are the complement of `patched_versions ∪ unaffected_versions` in Gem::Version
 * order (@renovatebot/ruby-semver), written as one ECOSYSTEM range for a gem. `rubies/ruby` (the MRI
 * interpreter) goes to OSV's Bitnami ecosystem as package "ruby", one SEMVER range, as runtime/ruby
 * names the interpreter it finds (src/extractors/runtime/README.md); other engines are skipped.
 *
 * One record per file, id `RUBYSEC-<gem>-<file stem>`; the file's GHSA, CVE and OSVDB ids are
 * aliases. Never a GHSA or CVE as the id: the store keys records by id (last writer wins), and
 * osv.dev's own GHSA records would collide; alias groups join them for display.
 */
import { parseYaml } from '../../../../model/yaml.ts';
import { z } from 'zod';
import { create as gemVersion, type Version as GemVersion } from '@renovatebot/ruby-semver/dist/ruby/version.js';
import type { OsvAffected, OsvEvent, OsvRecord } from '../../../../model/index.ts';
import type { AdvisoryFormat, FormatEntry, FormatOutput } from '../../types.ts';
import { dayToIso, emitRecord, firstIssue, purlFor, references, stem, uniqSorted } from '../common.ts';
import { complement, intersect, normalize, toEvents, type Bound, type Interval, ALL } from '../intervals.ts';
import { compareSemver } from '../../../../versioning/semver/index.ts';
import { RUNTIME_ECOSYSTEM } from '../../../../extractors/runtime/package.ts';

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

/** Where MRI advisories go: Bitnami's OSV ecosystem and component name, as runtime/ruby names the interpreter. */
export const RUBY_RUNTIME = { ecosystem: RUNTIME_ECOSYSTEM, name: 'ruby', purl: 'pkg:bitnami/ruby' } as const;

/**
 * A version as rubysec writes MRI releases → a Gem::Version string that orders them as Ruby does:
 * "2.6.7", "4.0"; patchlevels "1.8.5-p2", "1.8.5.p115", "1.9.2.p330", "1.8.5.114" → "1.8.5.114"
 * (4th segment: after 1.8.5, before 1.8.6; "…-p2" and "….p115" would be Gem pre-releases, below
 * 1.8.5); previews and rcs "1.9.2.preview.1", "2.6.0-preview1" → "2.6.0.preview.1" (below 2.6.0).
 * @throws Error naming the version for anything else ("1.8.2-r2": a distribution's revision, no
 *   Ruby release)
 */
export function rubyGemVersion(v: string): string {
  let m = /^\d+(?:\.\d+){0,2}$/.exec(v);
  if (m) return v;
  m = /^(\d+\.\d+\.\d+)(?:[.-]p\.?|\.)(\d+)$/.exec(v);
  if (m) return `${m[1]}.${Number(m[2])}`;
  m = /^(\d+\.\d+\.\d+)[.-](preview|rc)\.?(\d+)$/.exec(v);
  if (m) return `${m[1]}.${m[2]}.${Number(m[3])}`;
  throw new Error(`${JSON.stringify(v)} is not a Ruby release (X.Y.Z, a patchlevel X.Y.Z-pN or X.Y.Z.N, a previewN or rcN)`);
}

/**
 * A rubysec constraint on MRI with every version read by {@link rubyGemVersion}, and `~> v` as Gem's
 * own rule: `>= v` and `v.release < v.bump`, written `>= v, < <bump>.a` ("a" is below every
 * pre-release tag), so that "~> 2.6.10" does not cover 2.7.0's previews (parseConstraint's gem reading
 * does; MRI previews are packages runtime/ruby reports).
 * @throws Error naming the part
 */
export function rubyConstraint(text: string): string {
  return text
    .split(',')
    .map((part) => {
      const m = /^\s*(=|!=|>=|<=|>|<|~>)?\s*(\S+)\s*$/.exec(part);
      if (!m) throw new Error(`unparseable requirement ${JSON.stringify(part.trim())} in ${JSON.stringify(text)}`);
      const v = rubyGemVersion(m[2]);
      return m[1] === '~>' ? `>= ${v}, < ${gemVersion(v).bump().version()}.a` : `${m[1] ?? '='} ${v}`;
    })
    .join(', ');
}

/**
 * One bound of an MRI interval (a {@link rubyGemVersion}) in SemVer, the order of the Bitnami
 * ecosystem. Exact for "X.Y.Z", "X.Y", "X.Y.Z.0" and pre-releases ("2.6.0.preview.1" → "2.6.0-preview1").
 * "X.Y.a" (a "~>" end) → "X.Y.0-0". A patchlevel bound ("2.0.0.648") has no SemVer spelling — runtime/ruby reports such releases as
 * "2.0.0+p648", equal to 2.0.0 — so it widens the interval to the whole X.Y.Z: a lower bound becomes
 * "X.Y.Z" (inclusive), an upper one "X.Y.(Z+1)" (exclusive); so does an exclusive lower bound at a
 * pre-2.1 "X.Y.Z" ("> 2.0.0" admits 2.0.0-p1): "X.Y.Z" inclusive. `note` records each.
 */
function semverBound(b: Bound, side: 'lo' | 'hi', note: (s: string) => void): Bound {
  const seg = b.v.split('.');
  // "2.7.a" (the end of a "~>"): below every pre-release of 2.7.0, SemVer's "2.7.0-0"
  const a = seg[seg.length - 1] === 'a' ? seg.pop() : undefined;
  const core = [seg[0], seg[1] ?? '0', seg[2] ?? '0'].map(Number);
  if (a) return { v: `${core.join('.')}-0`, inclusive: b.inclusive };
  if (seg[3] === 'preview' || seg[3] === 'rc') return { v: `${core.join('.')}-${seg[3]}${seg[4]}`, inclusive: b.inclusive };
  const patchlevels = core[0] < 2 || (core[0] === 2 && core[1] < 1);
  // "> 2.0.0" (or "> 2.0.0.0") admits 2.0.0-p1…, which SemVer cannot put above 2.0.0: from 2.0.0 itself
  if (side === 'lo' && !b.inclusive && patchlevels && Number(seg[3] ?? 0) === 0) {
    note(`> ${core.join('.')} written as introduced ${core.join('.')}: patchlevels of ${core.join('.')} are not told apart (over-reported)`);
    return { v: core.join('.'), inclusive: true };
  }
  if (seg.length <= 3 || Number(seg[3]) === 0) return { v: core.join('.'), inclusive: b.inclusive };
  const pl = `${core.join('.')}-p${seg[3]}`;
  if (side === 'lo') {
    note(`${b.inclusive ? '>=' : '>'} ${pl} written as introduced ${core.join('.')}: patchlevels of ${core.join('.')} are not told apart (over-reported)`);
    return { v: core.join('.'), inclusive: true };
  }
  const next = `${core[0]}.${core[1]}.${core[2] + 1}`;
  note(`${b.inclusive ? '<=' : '<'} ${pl} written as fixed ${next}: patchlevels of ${core.join('.')} are not told apart (over-reported)`);
  return { v: next, inclusive: false };
}

/** The smallest SemVer version above v (an exclusive lower bound): 1.2.3 → 1.2.4-0; 1.2.3-rc1 → 1.2.3-rc1.0. */
function semverSuccessor(v: string): string {
  const [core, pre] = v.split('-');
  if (pre) return `${v}.0`;
  const [a, b, c] = core.split('.').map(Number);
  return `${a}.${b}.${c + 1}-0`;
}

/**
 * Affected MRI versions (Gem order) → SEMVER events for Bitnami "ruby", plus notes on what was
 * widened. `ranges` is the same events split as OSV wants them: a range may not hold both `fixed`
 * and `last_affected` (a "> 2.6.0-preview1" patched bound ends an interval with last_affected), so
 * intervals ending in last_affected go to a second range.
 */
export function rubyAffected(patched: string[], unaffected: string[]): { events: OsvEvent[]; ranges: OsvEvent[][]; inexact: string[] } {
  const set = affectedSet(patched.map(rubyConstraint), unaffected.map(rubyConstraint));
  const notes: string[] = [];
  const note = (s: string) => notes.includes(s) || notes.push(s);
  const wide = normalize(
    set.map((i) => ({ ...(i.lo ? { lo: semverBound(i.lo, 'lo', note) } : {}), ...(i.hi ? { hi: semverBound(i.hi, 'hi', note) } : {}) })),
    compareSemver,
  );
  const opts = { successor: semverSuccessor, isMinimum: (v: string) => compareSemver(v, '0.0.0') === 0 };
  const { events, inexact } = toEvents(wide, opts);
  const last = wide.filter((i) => i.hi?.inclusive);
  const ranges = last.length === 0 || last.length === wide.length ? [events] : [toEvents(wide.filter((i) => !i.hi?.inclusive), opts).events, toEvents(last, opts).events];
  return { events, ranges, inexact: [...notes, ...inexact] };
}

/** Engines rubysec lists under rubies/ that no Vigil detector reads (runtime/ruby reads MRI only). */
const NO_DETECTOR = 'no detector reads it (runtime/ruby reads MRI only) and OSV has no ecosystem for it';

function convert(path: string, kind: string, dirName: string, y: Native, out: FormatOutput): OsvRecord | undefined {
  const patched = y.patched_versions ?? [];
  const unaffected = y.unaffected_versions ?? [];
  let affected: OsvAffected;
  if (kind === 'rubies' || y.engine !== undefined) {
    const engine = y.engine ?? dirName;
    if (engine !== 'ruby' || dirName !== 'ruby') {
      // a RubyGems record would match a gem that happens to share the name (jruby is also a gem, with other versions)
      out.error({ input: path, rule: 'unsupported-ecosystem', message: `${path}: Ruby interpreter advisory (engine ${JSON.stringify(engine)}): ${NO_DETECTOR}; skipped` });
      return undefined;
    }
    let r: ReturnType<typeof rubyAffected>;
    try {
      r = rubyAffected(patched, unaffected);
    } catch (e) {
      out.error({ input: path, rule: 'unparseable-constraint', message: `${path}: ${(e as Error).message}` });
      return undefined;
    }
    if (r.events.length === 0) {
      out.error({ input: path, rule: 'no-affected-versions', message: `${path}: patched_versions ∪ unaffected_versions cover every version` });
      return undefined;
    }
    affected = {
      package: { ...RUBY_RUNTIME },
      ranges: r.ranges.map((events) => ({ type: 'SEMVER', events })),
      database_specific: {
        engine,
        patched_versions: patched,
        unaffected_versions: unaffected,
        ...(y.url ? { url: y.url } : {}),
        ...(r.inexact.length ? { inexact: r.inexact } : {}),
      },
    };
  } else {
    const gem = y.gem;
    if (!gem) {
      out.error({ input: path, rule: 'rubysec-schema', message: `${path}: no "gem" key` });
      return undefined;
    }
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
    affected = {
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
  // stable per file, and unique: the folder (the gem, equal to `gem:` in every upstream file, or "ruby") and the file name
  const id = rubysecId(dirName, path);
  const aliases = uniqSorted([ghsa, cve, osvdb].filter((x): x is string => x !== undefined && x !== id));
  const related = uniqSorted([
    ...(y.related?.cve ?? []).map((c) => fullId('CVE', c)!),
    ...(y.related?.ghsa ?? []).map((g) => fullId('GHSA', g)!),
    ...(y.related?.osvdb ?? []).map((o) => fullId('OSVDB', o)!),
  ].filter((x) => x !== id && !aliases.includes(x)));

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
