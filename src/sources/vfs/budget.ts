/**
 * What one target may cost, counted as its entries are read: the whole-target limits of
 * SourceLimits (entries, total bytes, name bytes) and the per-entry name limit. Every archive
 * reader counts through one Budget so that the limits mean the same everywhere.
 */
import type { SourceLimits } from '../types.ts';

/** A per-entry verdict: read it, skip just this entry, or stop reading the target. */
export type Verdict = { ok: true } | { ok: false; stop: boolean; rule: string; message: string };

const OK: Verdict = { ok: true };

export class Budget {
  entries = 0;
  nameBytes = 0;
  totalBytes = 0;
  nestedBytes = 0;
  /** set once a whole-target limit was hit: nothing more is read */
  stopped: Verdict | null = null;

  constructor(readonly limits: SourceLimits) {}

  /**
   * Counts one entry and its name (and a link's target, kept as well). Over maxEntries or
   * maxTotalNameBytes: stop; a name over maxNameBytes: skip this entry (its name is not kept).
   */
  entry(name: string, link = ''): Verdict {
    if (this.stopped) return this.stopped;
    const l = this.limits;
    if (++this.entries > l.maxEntries) return this.stop('too-many-entries', `more than ${l.maxEntries} entries; the rest not read`);
    const n = nameBytes(name, l.maxNameBytes);
    if (n > l.maxNameBytes) return tooLong('name', n, name, l.maxNameBytes);
    const m = link === '' ? 0 : nameBytes(link, l.maxNameBytes);
    if (m > l.maxNameBytes) return tooLong('link target', m, link, l.maxNameBytes);
    this.nameBytes += n + m;
    if (this.nameBytes > l.maxTotalNameBytes) return this.stop('too-many-name-bytes', `entry names add up to more than ${l.maxTotalNameBytes} bytes; the rest not read`);
    return OK;
  }

  /** Counts uncompressed bytes; over maxTotalBytes: stop. */
  bytes(n: number): Verdict {
    if (this.stopped) return this.stopped;
    this.totalBytes += n;
    if (this.totalBytes > this.limits.maxTotalBytes) return this.stop('total-too-large', `more than ${this.limits.maxTotalBytes} bytes uncompressed; the rest not read`);
    return OK;
  }

  /** Reserves `n` bytes to read a nested archive into memory; false (nothing reserved) over maxNestedBytes. */
  nested(n: number): boolean {
    if (this.nestedBytes + n > this.limits.maxNestedBytes) return false;
    this.nestedBytes += n;
    return true;
  }

  private stop(rule: string, message: string): Verdict {
    this.stopped = { ok: false, stop: true, rule, message };
    return this.stopped;
  }
}

/** Shortens a hostile name for a message or a record path. */
export function shortName(name: string, max = 256): string {
  return name.length <= max ? name : `${name.slice(0, max)}…(${name.length} characters)`;
}

/** Where one zip entry's bytes lie in its archive (local header, name and data), in directory order `i`. */
export interface ZipSpan { start: number; end: number; i: number }

/**
 * The entries (their `i`) whose bytes start inside an earlier entry's: all but the first of each
 * run of overlapping entries, the trick of non-recursive zip bombs
 * (https://www.bamsoftware.com/hacks/zipbomb/). Judged once the whole central directory is read;
 * sorts `spans` in place.
 */
export function overlappingEntries(spans: ZipSpan[]): Set<number> {
  spans.sort((a, b) => a.start - b.start || a.i - b.i);
  const out = new Set<number>();
  let end = -1;
  for (const sp of spans) {
    if (sp.start < end) out.add(sp.i);
    else end = sp.end;
  }
  return out;
}

/** UTF-8 bytes of a name; past `max` UTF-16 units the length itself (at most the bytes), without encoding it. */
function nameBytes(s: string, max: number): number {
  return s.length > max ? s.length : Buffer.byteLength(s, 'utf8');
}

function tooLong(what: string, n: number, s: string, max: number): Verdict {
  return { ok: false, stop: false, rule: 'name-too-long', message: `${what} of ${n}${n === s.length ? '+' : ''} bytes, over the ${max}-byte limit; entry skipped` };
}
