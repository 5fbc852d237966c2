/**
 * Test helpers for the native formats' cross-checks against ../shared/crosscheck/derived (an
 * independent conversion of the same native files to OSV). Not part of the plugins' public face.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readZip } from '../../containers.ts';
import type { OsvRecord } from '../../../model/index.ts';
import type { AdvisoryFormat } from '../types.ts';
import { collect } from '../testutil.ts';
import { describeIssues, osvRecordSchema } from '../osv/schema.ts';
import { isRfc3339 } from './common.ts';

/** /…/main → /…/shared (CI clones main with shared/ beside it). */
export const SHARED = fileURLToPath(new URL('../../../../../shared/', import.meta.url));

export function sharedPath(rel: string): string | undefined {
  const p = SHARED + rel;
  return existsSync(p) ? p : undefined;
}

/** Runs a format over every entry of a zip it detects, as an import would. */
export async function convertZip(format: AdvisoryFormat, zipPath: string) {
  const out = collect();
  let entries = 0;
  let claimed = 0;
  for await (const e of readZip(zipPath, (p) => out.error({ input: p.input, rule: p.rule, message: p.message }))) {
    entries++;
    if (!format.detect(e.path, e.data.subarray(0, 4096).toString('utf8'))) continue;
    claimed++;
    format.parse(e, out);
  }
  return { ...out, entries, claimed };
}

/** Every record of a derived OSV zip. */
export async function readDerived(zipPath: string): Promise<OsvRecord[]> {
  const out: OsvRecord[] = [];
  for await (const e of readZip(zipPath, (p) => { throw new Error(`${p.input}: ${p.message}`); })) {
    out.push(JSON.parse(e.data.toString('utf8')) as OsvRecord);
  }
  return out;
}

/** One disagreement that the test knows and explains. */
export interface Explained {
  /** the advisory: source path or id, as the test's `key` gives it */
  key: string;
  /** "ours" = only we converted it, "derived" = only they did, "ranges" = both, different versions */
  kind: 'ours' | 'derived' | 'ranges';
  reason: string;
}

export interface Tally {
  compared: number;
  agree: number;
  disagree: { key: string; kind: Explained['kind']; detail: string }[];
  onlyOurs: string[];
  onlyDerived: string[];
}

/** Disagreements not in the explained table, and explained ones that no longer occur (stale). */
export function unexplained(t: Tally, table: Explained[]) {
  const known = new Map(table.map((e) => [`${e.kind} ${e.key}`, e]));
  const seen = new Set<string>();
  const all = [
    ...t.disagree,
    ...t.onlyOurs.map((key) => ({ key, kind: 'ours' as const, detail: 'converted by us only' })),
    ...t.onlyDerived.map((key) => ({ key, kind: 'derived' as const, detail: 'converted by derived only' })),
  ];
  const missing = all.filter((d) => {
    const k = `${d.kind} ${d.key}`;
    seen.add(k);
    return !known.has(k);
  });
  const stale = table.filter((e) => !seen.has(`${e.kind} ${e.key}`));
  return { missing, stale };
}

export function printTally(name: string, t: Tally): void {
  console.log(
    `${name} cross-check: compared ${t.compared}, agree ${t.agree}, disagree ${t.disagree.length}, ` +
      `only ours ${t.onlyOurs.length}, only derived ${t.onlyDerived.length}`,
  );
}

/**
 * What the import relies on, over every record a format emitted: valid OSV (the import's own schema),
 * ids unique (the store keys by id, last writer wins), `modified` an RFC 3339 date-time with a zone,
 * no alias equal to its record's id. Returns one line per problem.
 */
export function recordProblems(records: OsvRecord[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    if (seen.has(r.id)) problems.push(`${r.id}: duplicate id`);
    seen.add(r.id);
    const res = osvRecordSchema.safeParse(r);
    if (!res.success) problems.push(`${r.id}: not valid OSV: ${describeIssues(res.error)}`);
    if (!isRfc3339(r.modified)) problems.push(`${r.id}: modified ${JSON.stringify(r.modified)}`);
    if (r.aliases?.includes(r.id)) problems.push(`${r.id}: its own alias`);
  }
  return problems;
}
