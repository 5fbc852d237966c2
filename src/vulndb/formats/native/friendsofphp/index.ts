/**
 * FriendsOfPHP/security-advisories YAML (`<vendor>/<package>/<name>.yaml`) → OSV.
 * Format: https://github.com/FriendsOfPHP/security-advisories#contributing (and its validator.php).
 *
 * One `affected` entry per branch; each branch's `versions` is a list of Composer comparisons that
 * all hold ('>=' → introduced, '<' → fixed, '<=' → last_affected, no lower bound → introduced "0").
 *
 * One record per file, id `FOP-<vendor>-<package>-<file stem>`; the CVE and GHSA are aliases. Never
 * a CVE or GHSA as the id: the store keys records by id (last writer wins), and osv.dev's own GHSA
 * records would collide; alias groups join them for display.
 */
import { parseYaml } from '../../../../model/yaml.ts';
import { z } from 'zod';
import type { OsvAffected, OsvEvent, OsvRecord } from '../../../../model/index.ts';
import type { AdvisoryFormat, FormatEntry, FormatOutput } from '../../types.ts';
import { dayToIso, emitRecord, firstIssue, purlFor, references, stem, timestampToIso, uniqSorted } from '../common.ts';

/** `<vendor>/<package>/<file>.yaml` at the end of the path (a checkout may add a prefix). */
const PATH = /(?:^|\/)([^/]+)\/([^/]+)\/([^/]+)\.ya?ml$/;
const REFERENCE_MARKER = /^reference:\s*['"]?composer:\/\//m;
/** When the head was cut before `reference:` (files are small; the upstream order puts it last). */
const BRANCH_MARKER = /^branches:\s*$/m;

/** Written when no branch has a `time` and the file name holds no date: "unknown", not "now". */
export const UNKNOWN_TIME = '1970-01-01T00:00:00Z';

const str = z.union([z.string(), z.number()]).transform(String);
const schema = z.object({
  title: z.string(),
  link: z.string().optional(),
  cve: z.string().nullable().optional(),
  ghsa: z.string().nullable().optional(),
  reference: z.string(),
  branches: z.record(
    z.string(),
    z.object({
      time: z.union([z.string(), z.date()]).nullable().optional(),
      versions: z.array(str),
    }),
  ),
  'composer-repository': z.union([z.string(), z.boolean()]).optional(),
});

/**
 * One branch's constraint list → OSV events (and exact versions for "=").
 * @throws Error naming the constraint that cannot be read
 */
export function branchEvents(versions: string[]): { events: OsvEvent[]; versions: string[]; inexact: string[] } {
  let lower: OsvEvent | undefined;
  let upper: OsvEvent | undefined;
  const exact: string[] = [];
  const inexact: string[] = [];
  for (const item of versions.flatMap((v) => v.split(','))) {
    const m = /^\s*(>=|<=|>|<|==|=)?\s*v?([0-9][0-9A-Za-z.\-+_]*)\s*$/.exec(item);
    if (!m) throw new Error(`unparseable constraint ${JSON.stringify(item.trim())}`);
    const [, op, v] = m;
    const setLower = (e: OsvEvent) => {
      if (lower) throw new Error(`two lower bounds in ${JSON.stringify(versions)}`);
      lower = e;
    };
    const setUpper = (e: OsvEvent) => {
      if (upper) throw new Error(`two upper bounds in ${JSON.stringify(versions)}`);
      upper = e;
    };
    switch (op) {
      case '>=': setLower({ introduced: v }); break;
      case '>':
        // OSV has no exclusive lower bound and Composer versions have no next version to name
        setLower({ introduced: v });
        inexact.push(`"> ${v}" written as introduced ${v}: OSV has no exclusive lower bound, so ${v} itself is over-reported`);
        break;
      case '<': setUpper({ fixed: v }); break;
      case '<=': setUpper({ last_affected: v }); break;
      default: exact.push(v);
    }
  }
  if (exact.length) {
    if (lower || upper) throw new Error(`"=" mixed with a range in ${JSON.stringify(versions)}`);
    return { events: [], versions: exact, inexact };
  }
  if (!lower && !upper) throw new Error('empty version list');
  return { events: [lower ?? { introduced: '0' }, ...(upper ? [upper] : [])], versions: [], inexact };
}

/**
 * `FOP-<vendor>-<package>-<file stem>` from the file's folders ("adodb/adodb-php/2018-03-06.yaml" →
 * "FOP-adodb-adodb-php-2018-03-06"), the id the crosscheck conversion uses too. Folders, not
 * `reference:`: the path is unique per file (the two agree in every upstream file).
 */
export function fopId(vendor: string, pkg: string, path: string): string {
  return `FOP-${vendor}-${pkg}-${stem(path)}`;
}

const GHSA_IN_URL = /\b(GHSA(?:-[23456789cfghjmpqrvwx]{4}){3})\b/i;

function parseEntry(entry: FormatEntry, out: FormatOutput): void {
  const path = entry.path;
  const pm = PATH.exec(path);
  if (!pm) {
    out.error({ input: path, rule: 'unexpected-path', message: `${path}: not <vendor>/<package>/<file>.yaml` });
    return;
  }
  let doc: unknown;
  try {
    doc = parseYaml(entry.data.toString('utf8'), path).value;
  } catch (e) {
    out.error({ input: path, rule: (e as { rule?: string }).rule === 'nesting-depth' ? 'nesting-depth' : 'not-yaml', message: (e as Error).message.split('\n')[0] });
    return;
  }
  const r = schema.safeParse(doc);
  if (!r.success) {
    out.error({ input: path, rule: 'friendsofphp-schema', message: `${path}: ${firstIssue(r.error)}` });
    return;
  }
  const y = r.data;
  const ref = /^composer:\/\/([^/\s]+\/[^/\s]+)$/.exec(y.reference.trim());
  if (!ref) {
    out.error({ input: path, rule: 'unsupported-reference', message: `${path}: reference ${JSON.stringify(y.reference)} is not composer://vendor/package` });
    return;
  }
  const name = ref[1];
  const sourcePath = `${pm[1]}/${pm[2]}/${pm[3]}${path.slice(path.lastIndexOf('.'))}`;

  const affected: OsvAffected[] = [];
  const times: string[] = [];
  for (const [branch, b] of Object.entries(y.branches)) {
    let conv: ReturnType<typeof branchEvents>;
    try {
      conv = branchEvents(b.versions);
    } catch (e) {
      out.error({ input: `${path}:${branch}`, rule: 'unparseable-constraint', message: `${path}: branch ${JSON.stringify(branch)}: ${(e as Error).message}` });
      return; // a half-converted advisory would under-report: skip it whole
    }
    if (b.time !== undefined && b.time !== null) {
      const iso = b.time instanceof Date ? b.time.toISOString().replace(/\.\d{3}Z$/, 'Z') : timestampToIso(b.time);
      if (!iso) {
        out.error({ input: `${path}:${branch}`, rule: 'invalid-date', message: `${path}: branch ${JSON.stringify(branch)}: time ${JSON.stringify(b.time)} is unreadable` });
        return;
      }
      times.push(iso);
    }
    const purl = purlFor('composer', name);
    affected.push({
      package: { ecosystem: 'Packagist', name, ...(purl ? { purl } : {}) },
      ...(conv.events.length ? { ranges: [{ type: 'ECOSYSTEM' as const, events: conv.events }] } : {}),
      ...(conv.versions.length ? { versions: conv.versions } : {}),
      database_specific: {
        branch,
        constraints: b.versions,
        ...(y.link ? { link: y.link } : {}),
        ...(conv.inexact.length ? { inexact: conv.inexact } : {}),
      },
    });
  }
  if (affected.length === 0) {
    out.error({ input: path, rule: 'friendsofphp-schema', message: `${path}: no branches` });
    return;
  }

  times.sort();
  let published: string | undefined = times[0];
  let modified = times[times.length - 1];
  const dbs: Record<string, unknown> = { source: 'friendsofphp', source_path: sourcePath };
  if (!modified) {
    // no branch has a time: fall back to a date in the file name ("2018-03-06.yaml", "2020-09-22-1.yaml")
    const day = /^(\d{4}-\d{2}-\d{2})(?:-\d+)?$/.exec(stem(path))?.[1];
    const iso = day ? dayToIso(day) : undefined;
    if (iso) {
      published = iso;
      modified = iso;
      dbs.dates_from = 'file name';
    } else {
      published = undefined;
      modified = UNKNOWN_TIME;
      dbs.dates_from = 'unknown';
    }
  }
  if (y['composer-repository'] !== undefined) dbs.composer_repository = y['composer-repository'];

  const cve = y.cve && /^CVE-\d{4}-\d{4,}$/i.test(y.cve.trim()) ? y.cve.trim().toUpperCase() : undefined;
  const ghsaRaw = y.ghsa?.trim() || (y.link ? GHSA_IN_URL.exec(y.link)?.[1] : undefined);
  const ghsa = ghsaRaw ? `GHSA-${ghsaRaw.replace(/^GHSA-/i, '').toLowerCase()}` : undefined;
  const id = fopId(pm[1], pm[2], path);
  const aliases = uniqSorted([cve, ghsa].filter((x): x is string => x !== undefined && x !== id));
  const refs = references([{ type: 'ADVISORY', url: y.link }]);

  const rec: OsvRecord = {
    id,
    modified,
    ...(published ? { published } : {}),
    ...(aliases.length ? { aliases } : {}),
    summary: y.title.trim(),
    affected,
    ...(refs.length ? { references: refs } : {}),
    database_specific: dbs,
  };
  emitRecord(out, path, rec);
}

/** FriendsOfPHP/security-advisories, one YAML file per advisory and package. */
export const friendsOfPhpFormat: AdvisoryFormat = {
  name: 'native/friendsofphp',
  kind: 'advisories',
  detect(path, head) {
    if (!PATH.test(path)) return false;
    if (/^(?:gem|engine|id|schema_version):/m.test(head)) return false; // rubysec, OSV YAML
    return REFERENCE_MARKER.test(head) || (head.length >= 4096 && BRANCH_MARKER.test(head) && /^\s+versions:/m.test(head));
  },
  parse: parseEntry,
  // no mergeById: every file is its own record (one CVE over several packages gives one record per
  // package, joined by their shared alias)
};
