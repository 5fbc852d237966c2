/**
 * Helpers shared by the enrichment formats: identifier and value checks, and a CSV reader that
 * reports bad rows (with their line numbers) instead of failing the whole file.
 */
import { parse } from 'csv-parse/sync';
import { cvssScore, type CvssVersion } from '../../../model/cvss.ts';
import type { FormatEntry, FormatOutput } from '../types.ts';

/** CVE ids as the CVE JSON 5 schema and the KEV schema define them: CVE-YYYY-NNNN, 4 to 19 digits. */
const CVE_ID = /^CVE-[0-9]{4}-[0-9]{4,19}$/;
const CWE_ID = /^CWE-[0-9]+$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** a plain decimal, optionally with an exponent (4.3e-05); no sign, hex, spaces or empty string, all of which Number() takes */
const DECIMAL = /^\d+(\.\d+)?([eE]-?\d+)?$/;

export function isCveId(s: unknown): s is string {
  return typeof s === 'string' && CVE_ID.test(s);
}

/** YYYY-MM-DD naming a real calendar day. */
export function isIsoDate(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  const m = ISO_DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/** Strips a UTF-8 byte order mark. */
export function stripBom(s: string): string {
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

/**
 * Parses a decimal string into a number within [min, max]; undefined when it is not one.
 * Accepts numbers too (JSON sources), with the same range check.
 */
export function parseDecimal(v: unknown, min: number, max: number): number | undefined {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && DECIMAL.test(v)) n = Number(v);
  else return undefined;
  return Number.isFinite(n) && n >= min && n <= max ? n : undefined;
}

/**
 * Splits a CWE list ("CWE-59, CWE-436", "CWE-122;CWE-125") into ids; reports each token that is
 * not CWE-<digits> (rule "cwe-id") and drops it. Returns undefined for an empty list.
 */
export function parseCweList(
  tokens: string | readonly unknown[],
  input: string,
  out: FormatOutput,
): string[] | undefined {
  const list = typeof tokens === 'string' ? tokens.split(/[,;]/) : tokens;
  const cwes: string[] = [];
  for (const raw of list) {
    const t = typeof raw === 'string' ? raw.trim() : raw;
    if (t === '') continue;
    if (typeof t !== 'string' || !CWE_ID.test(t)) {
      out.error({ input, rule: 'cwe-id', message: `not a CWE id: ${JSON.stringify(t)}` });
      continue;
    }
    if (!cwes.includes(t)) cwes.push(t);
  }
  return cwes.length > 0 ? cwes : undefined;
}

/**
 * Checks a CVSS vector (and that it is of the expected major version) and its stated score.
 * Reports "cvss-vector", "cvss-version" or "cvss-score" and returns what survived:
 * a bad vector drops vector and score (the score no longer has anything to describe);
 * a bad score alone drops the score and keeps the vector.
 */
export function checkCvss(
  vector: string | undefined,
  score: unknown,
  versions: readonly CvssVersion[],
  input: string,
  out: FormatOutput,
): { vector?: string; score?: number } {
  const result: { vector?: string; score?: number } = {};
  if (vector !== undefined && vector !== '') {
    let version: CvssVersion;
    try {
      version = cvssScore(vector).version;
    } catch (e) {
      out.error({ input, rule: 'cvss-vector', message: (e as Error).message });
      return result;
    }
    if (!versions.includes(version)) {
      out.error({ input, rule: 'cvss-version', message: `CVSS ${version} vector ${JSON.stringify(vector)} where CVSS ${versions.join('/')} was expected` });
      return result;
    }
    result.vector = vector;
  }
  if (score !== undefined && score !== '' && score !== null) {
    const n = parseDecimal(score, 0, 10);
    if (n === undefined) out.error({ input, rule: 'cvss-score', message: `CVSS score ${JSON.stringify(score)} is not a number from 0 to 10` });
    else result.score = n;
  }
  return result;
}

/** A CSV record longer than this is broken (real rows are a few KB at most). */
export const MAX_CSV_RECORD_BYTES = 256 * 1024;
/** Broken rows reported per entry before the rest of it is dropped. */
export const MAX_CSV_ERRORS = 200;

export interface CsvRow {
  /** 1-based line of the file where the row starts */
  line: number;
  /** "<path>:<line>", the input named in errors */
  input: string;
  fields: Record<string, string>;
}

/**
 * Reads a CSV entry with a header row, yielding data rows in file order. Reports (and skips) rows
 * with a wrong number of fields ("csv-columns") or broken quoting ("csv-syntax") at their place in
 * that order; reports a header lacking a required column ("csv-header") and yields nothing. Extra
 * columns are allowed (formats grow columns: KEV added `cwes` in 2024).
 *
 * @param data the entry's bytes, from `start` on (callers that consumed leading lines pass where
 *   they stopped, so line numbers stay those of the file)
 */
export function* readCsv(
  entry: FormatEntry,
  data: Buffer,
  required: readonly string[],
  out: FormatOutput,
  start = 0,
): Generator<CsvRow> {
  type Item = { line: number; fields?: string[]; error?: string };
  const items: Item[] = [];
  // Line numbers come from byte offsets: csv-parse reports where each record ends (ctx.bytes,
  // delimiter included), so the next one starts there, after any blank lines. csv-parse's own
  // line counter is not used: it counts a CRLF inside a quoted field as two lines.
  const body = data.subarray(start);
  const lines = lineCounter(data);
  let prevEnd = 0;
  const startOf = () => {
    let i = prevEnd;
    while (i < body.length && (body[i] === 0x0a || body[i] === 0x0d)) i++;
    return lines(start + i);
  };
  // csv-parse's cost per broken record grows with the record (a 45 KB line of stray quotes took
  // 16 s): records are bounded, and past MAX_CSV_ERRORS broken ones the rest of the entry is dropped
  let broken = 0;
  const tooBroken = new Error('too many broken rows');
  try {
    parse(body, {
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      max_record_size: MAX_CSV_RECORD_BYTES,
      on_skip: (err) => {
        if (++broken > MAX_CSV_ERRORS) throw tooBroken;
        items.push({ line: startOf(), error: err?.message ?? 'unparseable CSV' });
        // where a broken record ends is a guess: line numbers after one are best effort
        const bytes = (err as { bytes?: number } | undefined)?.bytes;
        if (typeof bytes === 'number' && bytes > prevEnd) prevEnd = bytes;
        return undefined;
      },
      on_record: (record: string[], ctx) => {
        items.push({ line: startOf(), fields: record });
        prevEnd = ctx.bytes;
        return null; // collected above; nothing for parse() to accumulate
      },
    });
  } catch (e) {
    if (e === tooBroken) items.push({ line: startOf(), error: `more than ${MAX_CSV_ERRORS} broken rows; the rest of the file is skipped` });
    else {
      out.error({ input: entry.path, rule: 'csv-syntax', message: (e as Error).message });
      return;
    }
  }
  const headerAt = items.findIndex((i) => i.fields);
  const header = items[headerAt]?.fields;
  if (!header) {
    out.error({ input: entry.path, rule: 'csv-header', message: 'no header row' });
    return;
  }
  const missing = required.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    out.error({ input: `${entry.path}:${items[headerAt].line}`, rule: 'csv-header', message: `header lacks column(s) ${missing.join(', ')}` });
    return;
  }
  for (const item of items) {
    const input = `${entry.path}:${item.line}`;
    if (item.error !== undefined) {
      out.error({ input, rule: 'csv-syntax', message: item.error });
      continue;
    }
    if (item.fields === header) continue;
    if (item.fields!.length !== header.length) {
      out.error({ input, rule: 'csv-columns', message: `${item.fields!.length} fields where the header has ${header.length}` });
      continue;
    }
    const fields: Record<string, string> = {};
    header.forEach((name, i) => { fields[name] = item.fields![i]; });
    yield { line: item.line, input, fields };
  }
}

/** 1-based line number of a byte offset; offsets must be asked in increasing order. */
function lineCounter(data: Buffer): (offset: number) => number {
  let at = 0;
  let line = 1;
  return (offset) => {
    for (; at < offset && at < data.length; at++) if (data[at] === 0x0a) line++;
    return line;
  };
}

/** Reports a repeated CVE within one entry ("duplicate-cve"); true when `cve` was seen before. */
export function isDuplicate(seen: Set<string>, cve: string, input: string, out: FormatOutput): boolean {
  if (seen.has(cve)) {
    out.error({ input, rule: 'duplicate-cve', message: `${cve} appears more than once in this file; the first entry is kept` });
    return true;
  }
  seen.add(cve);
  return false;
}
