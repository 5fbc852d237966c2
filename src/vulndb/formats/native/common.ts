/** Small helpers shared by the native-format converters (rubysec, FriendsOfPHP, nodejs security-wg). */
import { PackageURL } from 'packageurl-js';
import type { OsvRecord, OsvReference } from '../../../model/index.ts';
import type { FormatOutput } from '../types.ts';

/** "2019-03-13" → "2019-03-13T00:00:00Z"; undefined when it is not a real calendar date. */
export function dayToIso(day: string): string | undefined {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(day.trim());
  if (!m) return undefined;
  return isoFromParts(+m[1], +m[2], +m[3], 0, 0, 0, 0);
}

/**
 * "2018-03-06 15:40:00", "2015-07-24 0:41:41", "2019-01-05 12:00:00 +0100", "2019-1-5" (FriendsOfPHP
 * branch `time`, written by hand) → UTC ISO 8601 without milliseconds; undefined when unreadable.
 * A time without an offset is taken as UTC.
 */
export function timestampToIso(text: string): string | undefined {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*(?:(Z)|([+-])(\d{2}):?(\d{2}))?$/.exec(text.trim());
  if (!m) return undefined;
  const offsetMin = m[8] ? (m[8] === '-' ? -1 : 1) * (+m[9] * 60 + +m[10]) : 0;
  return isoFromParts(+m[1], +m[2], +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), offsetMin);
}

function isoFromParts(y: number, mo: number, d: number, h: number, mi: number, s: number, offsetMin: number): string | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d); // not Date.UTC: it reads years 0–99 as 1900–1999
  if (date.getUTCMonth() !== mo - 1) return undefined; // 2019-02-30
  date.setUTCHours(h, mi, s, 0);
  const iso = new Date(date.getTime() - offsetMin * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return isRfc3339(iso) ? iso : undefined; // an offset can push year 0000 or 9999 out of 4 digits
}

/** RFC 3339 date-time with seconds and a zone ("Z" or "+hh:mm"), as OSV's `modified` needs. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

export function isRfc3339(text: string): boolean {
  return RFC3339.test(text) && !Number.isNaN(Date.parse(text));
}

/** What an OSV id may not contain (the import's OSV schema refuses whitespace and slashes). */
const BAD_ID = /[\s/\\]/;

/**
 * The last step of every native converter: checks what the import relies on and then emits.
 * A record whose id is unusable or whose `modified` is not an RFC 3339 date-time is reported
 * (`invalid-record`) and dropped; an alias equal to the id is removed (an id is not its own alias).
 */
export function emitRecord(out: FormatOutput, input: string, rec: OsvRecord): void {
  const bad = !rec.id || BAD_ID.test(rec.id)
    ? `id ${JSON.stringify(rec.id)} is empty or has whitespace or a slash`
    : !isRfc3339(rec.modified)
      ? `modified ${JSON.stringify(rec.modified)} is not an RFC 3339 date-time`
      : rec.published !== undefined && !isRfc3339(rec.published)
        ? `published ${JSON.stringify(rec.published)} is not an RFC 3339 date-time`
        : undefined;
  if (bad) {
    out.error({ input, rule: 'invalid-record', message: `${input}: ${bad}; skipped` });
    return;
  }
  if (rec.aliases) {
    const aliases = rec.aliases.filter((a) => a !== rec.id);
    if (aliases.length) rec.aliases = aliases;
    else delete rec.aliases;
  }
  out.record(rec);
}

/** A package URL without version, e.g. pkg:composer/symfony/symfony, pkg:npm/%40babel/core. */
export function purlFor(type: 'gem' | 'composer' | 'npm', name: string): string | undefined {
  try {
    if (type === 'gem') return new PackageURL(type, undefined, name, undefined, undefined, undefined).toString();
    const slash = name.lastIndexOf('/');
    const ns = slash > 0 ? name.slice(0, slash) : undefined;
    const base = slash > 0 ? name.slice(slash + 1) : name;
    return new PackageURL(type, ns, base, undefined, undefined, undefined).toString();
  } catch {
    return undefined; // a name packageurl-js refuses: the record is still useful without a purl
  }
}

/** References in first-seen order, each URL once (the first type given wins). */
export function references(items: { type: string; url: unknown }[]): OsvReference[] {
  const seen = new Set<string>();
  const out: OsvReference[] = [];
  for (const { type, url } of items) {
    if (typeof url !== 'string') continue;
    const u = url.trim();
    if (!/^https?:\/\//i.test(u) || seen.has(u)) continue;
    seen.add(u);
    out.push({ type, url: u });
  }
  return out;
}

/** Sorted, de-duplicated list (stable output). */
export function uniqSorted(xs: Iterable<string>): string[] {
  return [...new Set(xs)].sort();
}

/** The file name without directory and extension: "gems/rails/CVE-2019-5418.yml" → "CVE-2019-5418". */
export function stem(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** The first zod issue as "field.path: message", for FormatError messages. */
export function firstIssue(err: { issues: { path: PropertyKey[]; message: string }[] }): string {
  const i = err.issues[0];
  if (!i) return 'invalid';
  const where = i.path.map(String).join('.');
  return where ? `${where}: ${i.message}` : i.message;
}
