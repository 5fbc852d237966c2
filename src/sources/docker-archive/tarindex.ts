/**
 * An index of an outer tar file's entries (name → data offset and size), read header by header
 * without extracting anything, so that layer entries can be streamed straight from the file.
 * Understands ustar prefixes, pax `path`/`linkpath`/`size` records and GNU long names.
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { VigilError } from '../../model/index.ts';
import { DEFAULT_SOURCE_LIMITS, type SourceLimits } from '../types.ts';
import { Budget, normalizeEntryName, shortName } from '../vfs/index.ts';
import { parsePax } from '../image/tar.ts';

export interface TarIndexEntry {
  name: string;
  /** '0' file, '1' hardlink, '2' symlink, '5' dir, ... */
  type: string;
  offset: number;
  size: number;
  linkname?: string;
}

function str(b: Buffer, off: number, len: number): string {
  const s = b.subarray(off, off + len);
  const z = s.indexOf(0);
  return (z < 0 ? s : s.subarray(0, z)).toString('utf8');
}

function num(b: Buffer, off: number, len: number): number {
  if (b[off] & 0x80) {
    // base-256 (GNU) for sizes of 8 GiB and more
    let v = 0;
    for (let i = off + 1; i < off + len; i++) v = v * 256 + b[i];
    return v;
  }
  const s = str(b, off, len).trim();
  return s === '' ? 0 : parseInt(s, 8);
}


/** Refused and skipped outer entries listed (the rest are only ignored). */
const MAX_LISTED = 1000;

/** An outer archive (`docker save`) holds a few entries per layer: more than this is not one. */
const MAX_OUTER_ENTRIES = 100_000;

/**
 * Reads every header of a tar file. Entries with unsafe names are returned in `refused`, with
 * names over `maxNameBytes` in `skipped`; the entry count and the names' total bytes are limited
 * as for every archive (an outer archive that breaks them cannot be indexed: VIGIL_LIMIT_EXCEEDED).
 */
export async function indexTar(path: string, limits: Partial<SourceLimits> = {}): Promise<{ entries: Map<string, TarIndexEntry>; refused: string[]; skipped: string[]; size: number }> {
  const l = { ...DEFAULT_SOURCE_LIMITS, ...limits };
  const budget = new Budget({ ...l, maxEntries: Math.min(l.maxEntries, MAX_OUTER_ENTRIES) });
  const skipped: string[] = [];
  const fh: FileHandle = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const entries = new Map<string, TarIndexEntry>();
    const refused: string[] = [];
    const header = Buffer.alloc(512);
    let pos = 0;
    let longName: string | undefined;
    let longLink: string | undefined;
    let pax: Record<string, string> = {};
    while (pos + 512 <= size) {
      const { bytesRead } = await fh.read(header, 0, 512, pos);
      if (bytesRead < 512) break;
      if (header.every((b) => b === 0)) break; // end of archive
      if (!str(header, 257, 6).startsWith('ustar') && !verifyChecksum(header)) {
        throw new VigilError('VIGIL_INVALID_INPUT', `${path}: not a tar archive (bad header at ${pos})`, { input: path, rule: 'tar' });
      }
      const type = String.fromCharCode(header[156] || 0x30);
      let entrySize = num(header, 124, 12);
      const badSize = (): VigilError => new VigilError('VIGIL_INVALID_INPUT', `${path}: not a tar archive (bad size field at ${pos})`, { input: path, rule: 'tar' });
      if (!Number.isSafeInteger(entrySize) || entrySize < 0) throw badSize();
      const dataOff = pos + 512;
      if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
        if (entrySize > 1024 * 1024) throw new VigilError('VIGIL_INVALID_INPUT', `${path}: oversized extended header at ${pos}`, { input: path, rule: 'tar' });
        const data = Buffer.alloc(entrySize);
        await fh.read(data, 0, entrySize, dataOff);
        if (type === 'x') pax = parsePax(data);
        else if (type === 'L') longName = str(data, 0, data.length);
        else if (type === 'K') longLink = str(data, 0, data.length);
        pos = dataOff + Math.ceil(entrySize / 512) * 512;
        continue;
      }
      let name = str(header, 0, 100);
      const prefix = str(header, 345, 155);
      if (prefix && str(header, 257, 6) === 'ustar') name = `${prefix}/${name}`;
      if (longName !== undefined) name = longName;
      if (pax.path !== undefined) name = pax.path;
      let linkname = str(header, 157, 100);
      if (longLink !== undefined) linkname = longLink;
      if (pax.linkpath !== undefined) linkname = pax.linkpath;
      if (pax.size !== undefined) {
        // a pax size is decimal digits; anything else (NaN sizes reached Buffer.alloc) is a broken archive
        if (!/^\d{1,15}$/.test(pax.size)) throw badSize();
        entrySize = Number(pax.size);
      }
      longName = longLink = undefined;
      pax = {};
      const v = budget.entry(name, linkname);
      const n = v.ok ? normalizeEntryName(name) : null;
      if (!v.ok) {
        if (v.stop) throw new VigilError('VIGIL_LIMIT_EXCEEDED', `${path}: ${v.message}`, { input: path, rule: v.rule });
        if (skipped.length < MAX_LISTED) skipped.push(`${shortName(name)}: ${v.message}`);
      } else if (!n!.ok) {
        if (refused.length < MAX_LISTED) refused.push(`${shortName(name)}: ${n!.reason}`);
      }
      else if (n!.path !== '') entries.set(n!.path, { name: n!.path, type, offset: dataOff, size: type === '0' || type === '7' ? entrySize : 0, ...(linkname ? { linkname } : {}) });
      pos = dataOff + (type === '1' || type === '2' || type === '5' ? 0 : Math.ceil(entrySize / 512) * 512);
      if (dataOff + entrySize > size && (type === '0' || type === '7')) {
        throw new VigilError('VIGIL_INVALID_INPUT', `${path}: entry ${name} runs past the end of the file`, { input: path, rule: 'tar' });
      }
    }
    return { entries, refused, skipped, size };
  } finally {
    await fh.close();
  }
}

function verifyChecksum(h: Buffer): boolean {
  const want = num(h, 148, 8);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
  return sum === want;
}
