/**
 * Bounded searches over a binary's bytes: a literal anchor found with Buffer.indexOf (memchr
 * speed), then a regular expression over a small window around each hit. The file is read in
 * chunks (ScanFile.chunks, when the source has it), so a 100 MB runtime is never held whole and a
 * search that found what it wanted stops reading.
 */
import type { ScanFile } from '../types.ts';

/** Read size per chunk. */
export const CHUNK_BYTES = 1024 * 1024;

export interface Probe {
  /**
   * a literal that every hit contains ("OpenSSL", "/node-v"); let it end in a byte that is rare in
   * binaries (not NUL or space): the search skips ahead by the last byte
   */
  anchor: string;
  /** bytes before and after the anchor that the regular expression may need */
  before: number;
  after: number;
  /** applied (non-global) to the window as latin1 text; its first match is the hit */
  re: RegExp;
}

/**
 * Calls `visit` with each hit of `probe` in file order until it returns true ("found enough").
 * Windows are cut from the bytes around each anchor, so a hit across a chunk boundary is found.
 * @returns the number of bytes read
 */
export async function probeFile(file: ScanFile, probe: Probe, visit: (m: RegExpExecArray) => boolean | void, chunkBytes = CHUNK_BYTES): Promise<number> {
  const anchor = Buffer.from(probe.anchor, 'latin1');
  let carry: Buffer = Buffer.alloc(0);
  let read = 0;
  /**
   * Searches `win` from `from`. Returns -1 when visit said stop, else where the next search must
   * resume: the first anchor whose window is not all here yet, or past the last complete anchor.
   */
  const search = (win: Buffer, from: number, final: boolean): number => {
    for (let i = win.indexOf(anchor, from); i >= 0; i = win.indexOf(anchor, i + 1)) {
      const end = i + anchor.length + probe.after;
      if (!final && end > win.length) return i;
      const m = probe.re.exec(win.toString('latin1', Math.max(0, i - probe.before), Math.min(end, win.length)));
      if (m && visit(m)) return -1;
    }
    return Math.max(from, win.length - anchor.length + 1);
  };
  let from = 0;
  const source = file.chunks ? file.chunks(chunkBytes) : (async function* () { yield await file.read(); })();
  for await (const chunk of source) {
    read += chunk.length;
    const win = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    const resume = search(win, from, false);
    if (resume < 0) return read;
    // keep the bytes a later hit may need: `before` bytes ahead of where the search resumes
    const keep = Math.max(0, resume - probe.before);
    carry = Buffer.from(win.subarray(keep)); // a copy: the chunk itself is not retained
    from = resume - keep;
  }
  if (carry.length) search(carry, from, true);
  return read;
}

/** Every distinct first capture of `probe` in the file (at most `limit`), in file order. */
export async function probeAll(file: ScanFile, probe: Probe, limit = 16): Promise<string[]> {
  const seen = new Set<string>();
  await probeFile(file, probe, (m) => {
    seen.add(m[1] ?? m[0]);
    return seen.size >= limit;
  });
  return [...seen];
}

/** The first capture of `probe` in the file, reading no further than it. */
export async function probeFirst(file: ScanFile, probe: Probe): Promise<string | undefined> {
  let got: string | undefined;
  await probeFile(file, probe, (m) => {
    got = m[1] ?? m[0];
    return true;
  });
  return got;
}
