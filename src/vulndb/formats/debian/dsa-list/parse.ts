import type { OsvAffected, OsvRecord } from '../../../../model/index.ts';
import type { FormatOutput } from '../../types.ts';
import { DEBIAN_UNNUMBERED_SUITES, debianReleaseNumber, debianVersionProblem } from '../releases.ts';

/**
 * Parser for the Debian security tracker's `data/DSA/list` and `data/DLA/list`
 * (https://salsa.debian.org/security-tracker-team/security-tracker/-/tree/master/data). Shape:
 *
 * ```
 * [29 Mar 2023] DSA-5380-1 xorg-server - security update
 * 	{CVE-2023-1393}
 * 	[bullseye] - xorg-server 2:1.20.11-1+deb11u6
 * 	[woody] - zlib <not-affected> (Vulnerable code not present)
 * 	[sarge] - sudo 1.6.8p7-1.4 (bug #123456; medium)
 * 	NOTE: free text
 * ```
 */

const MONTHS: Record<string, number> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
};

/** `[dd Mon yyyy] DSA-n[-r] title`; ids before DSA-~1000 have no revision part. */
/** The highest advisory revision taken as real (DSA-5356-2 continues DSA-5356-1). */
const MAX_REVISION = 99;
const HEAD = /^\[(\d{1,2}) ([A-Za-z]{3}) (\d{4})\]\s+((DSA|DLA)-(\d+)(?:-(\d+))?)(?:\s+(.*))?$/;
/** `[release] - srcpkg rest` */
const RELEASE_LINE = /^\[([^\]\s]*)\]\s+-\s+(\S+)(?:\s+(.*))?$/;
/** `version-or-<state> (annotation)` */
const RELEASE_REST = /^(<[a-z-]+>|[^\s<>()]+)(?:\s+\(([^()]*)\))?$/;
const SOURCE_PACKAGE = /^[a-z0-9][a-z0-9.+-]+$/;
const URGENCIES = new Set(['unimportant', 'low', 'medium', 'high']);

/**
 * What a `<state>` in place of a fixed version means. `affected: false` entries get no range;
 * all others get `introduced: "0"` and no `fixed` (no fix is available for that release).
 * States follow the tracker's own vocabulary (security-tracker lib/python/bugs.py).
 */
const STATES: Record<string, { affected: boolean }> = {
  'not-affected': { affected: false },
  unfixed: { affected: true },
  'end-of-life': { affected: true },
  'no-dsa': { affected: true },
  ignored: { affected: true },
  postponed: { affected: true },
  removed: { affected: true },
  undetermined: { affected: true },
  itp: { affected: false },
};

/** The state names this parser understands, for documentation and tests. */
export const DSA_LIST_STATES: readonly string[] = Object.keys(STATES);

interface Entry {
  record: OsvRecord;
  /** the tokens of its {…} lines */
  ids: string[];
}

/**
 * Parses one DSA or DLA list file. One OSV record per entry (head line), emitted in file order.
 * Bad lines are reported through `out.error` with input `<path>:<line>`; the rest of the file is
 * still read.
 */
export function parseDsaList(path: string, text: string, out: FormatOutput): void {
  const lines = text.split('\n');
  const seen = new Set<string>();
  let cur: Entry | undefined;
  // true after a head line we could not read: its indented lines are skipped without more errors
  let skipping = false;

  const flush = () => {
    if (cur !== undefined) finish(cur, out);
    cur = undefined;
  };

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, '');
    const lineNo = i + 1;
    const where = `${path}:${lineNo}`;
    if (raw.trim() === '') continue;

    if (!/^\s/.test(raw)) {
      flush();
      skipping = false;
      const head = parseHead(raw, where, out);
      if (head === undefined) {
        skipping = true;
        continue;
      }
      if (seen.has(head.record.id)) {
        out.error({ input: where, rule: 'duplicate-id', message: `${head.record.id} appears again; the first entry is kept` });
        skipping = true;
        continue;
      }
      seen.add(head.record.id);
      cur = head;
      continue;
    }

    if (skipping) continue;
    const line = raw.trim();
    if (line.startsWith('NOTE:')) continue;
    if (cur === undefined) {
      out.error({ input: where, rule: 'orphan-line', message: `indented line before any advisory head: ${JSON.stringify(line)}` });
      continue;
    }
    if (line.startsWith('{')) {
      const m = /^\{([^{}]*)\}$/.exec(line);
      if (m === null) {
        out.error({ input: where, rule: 'bad-id-line', message: `${cur.record.id}: unterminated id list ${JSON.stringify(line)}` });
        continue;
      }
      cur.ids.push(...m[1].split(/\s+/).filter((t) => t !== ''));
      continue;
    }
    if (line.startsWith('[')) {
      const a = parseReleaseLine(line, where, cur.record.id, out);
      if (a !== undefined) cur.record.affected!.push(a);
      continue;
    }
    out.error({ input: where, rule: 'unknown-line', message: `${cur.record.id}: line of unknown shape ${JSON.stringify(line)}` });
  }
  flush();
}

function parseHead(line: string, where: string, out: FormatOutput): Entry | undefined {
  const m = HEAD.exec(line.trimEnd());
  if (m === null) {
    out.error({ input: where, rule: 'bad-head', message: `not an advisory head "[dd Mon yyyy] DSA-n-r title": ${JSON.stringify(line)}` });
    return undefined;
  }
  const [, day, mon, year, id, prefix, num, rev, title] = m;
  const month = MONTHS[mon];
  const d = Number(day);
  const date = month === undefined ? undefined : new Date(Date.UTC(Number(year), month, d));
  if (date === undefined || date.getUTCDate() !== d || date.getUTCMonth() !== month) {
    out.error({ input: where, rule: 'bad-date', message: `${id}: invalid date "${day} ${mon} ${year}"` });
    return undefined;
  }
  const iso = date.toISOString().replace('.000Z', 'Z');
  const record: OsvRecord = {
    id,
    modified: iso,
    published: iso,
    affected: [],
    references: [{ type: 'ADVISORY', url: `https://security-tracker.debian.org/tracker/${id}` }],
  };
  const summary = title?.trim().replace(/\s+/g, ' ');
  if (summary) record.summary = summary;
  // DSA-5356-2 (a regression or follow-up update) continues DSA-5356-1: relate the earlier revisions
  const related: string[] = [];
  // real revisions stay in single digits; a corrupt one (DLA-3380-120202…) made this loop run
  // until the heap was gone
  if (rev !== undefined && Number(rev) > MAX_REVISION) {
    out.error({ input: where, rule: 'bad-revision', message: `${id}: revision ${rev.length > 12 ? `${rev.slice(0, 12)}…` : rev} is over ${MAX_REVISION}; earlier revisions not related` });
  } else if (rev !== undefined) for (let r = 1; r < Number(rev); r++) related.push(`${prefix}-${num}-${r}`);
  if (related.length > 0) record.related = related;
  return { record, ids: [] };
}

function parseReleaseLine(line: string, where: string, id: string, out: FormatOutput): OsvAffected | undefined {
  const m = RELEASE_LINE.exec(line);
  const rest = m?.[3]?.trim();
  const r = rest === undefined ? null : RELEASE_REST.exec(rest);
  if (m === null || r === null) {
    out.error({ input: where, rule: 'bad-release-line', message: `${id}: expected "[release] - srcpkg version|<state> [(note)]", got ${JSON.stringify(line)}` });
    return undefined;
  }
  const [, release, pkg] = m;
  const [, versionOrState, annotation] = r;
  const number = debianReleaseNumber(release);
  if (number === undefined) {
    if (DEBIAN_UNNUMBERED_SUITES.has(release)) return undefined;
    out.error({ input: where, rule: 'unknown-release', message: `${id}: unknown Debian release codename ${JSON.stringify(release)}` });
    return undefined;
  }
  if (!SOURCE_PACKAGE.test(pkg)) {
    out.error({ input: where, rule: 'bad-package-name', message: `${id}: invalid Debian source package name ${JSON.stringify(pkg)}` });
    return undefined;
  }
  const dbs: Record<string, unknown> = { release };
  if (annotation !== undefined) Object.assign(dbs, parseAnnotation(annotation));
  const affected: OsvAffected = { package: { ecosystem: `Debian:${number}`, name: pkg } };

  if (versionOrState.startsWith('<')) {
    const state = versionOrState.slice(1, -1);
    const meaning = STATES[state];
    if (meaning === undefined) {
      out.error({ input: where, rule: 'unknown-state', message: `${id}: unknown state <${state}> for ${pkg} in ${release}` });
      return undefined;
    }
    dbs.status = state;
    if (meaning.affected) {
      affected.ranges = [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }];
    } else {
      // An explicit empty list: no version of this package in this release is affected.
      affected.versions = [];
    }
  } else {
    const problem = debianVersionProblem(versionOrState);
    if (problem !== undefined) {
      // Kept: matching will report "unknown" for this range rather than silently "not affected".
      out.error({ input: where, rule: 'invalid-version', message: `${id}: invalid Debian version ${JSON.stringify(versionOrState)} for ${pkg}: ${problem}` });
    }
    dbs.status = 'fixed';
    affected.ranges = [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: versionOrState }] }];
  }
  affected.database_specific = dbs;
  return affected;
}

/** "(bug #123; medium)" → { bugs: [123], urgency: "medium" }; anything else is kept as `note`. */
function parseAnnotation(text: string): Record<string, unknown> {
  const bugs: number[] = [];
  const notes: string[] = [];
  let urgency: string | undefined;
  for (const part of text.split(';').map((p) => p.trim()).filter((p) => p !== '')) {
    const bug = /^bug #(\d+)$/.exec(part);
    if (bug !== null) bugs.push(Number(bug[1]));
    else if (URGENCIES.has(part) && urgency === undefined) urgency = part;
    else notes.push(part);
  }
  const r: Record<string, unknown> = {};
  if (urgency !== undefined) r.urgency = urgency;
  if (bugs.length > 0) r.bugs = bugs;
  if (notes.length > 0) r.note = notes.join('; ');
  return r;
}

function finish(entry: Entry, out: FormatOutput): void {
  const rec = entry.record;
  const upstream: string[] = [];
  const related = rec.related ?? [];
  for (const t of entry.ids) {
    // a {…} list may name other Debian advisories; those are related, not upstream
    const list = /^(DSA|DLA|DTSA)-\d+/.test(t) ? related : upstream;
    if (!list.includes(t)) list.push(t);
  }
  if (upstream.length > 0) rec.upstream = upstream;
  if (related.length > 0) rec.related = related;
  if (rec.affected!.length === 0) delete rec.affected;
  out.record(rec);
}
