/**
 * Just enough of ELF, Mach-O and PE to find a named section and to map a virtual address to a file
 * offset. Pure: bytes in, a table out; malformed headers give `undefined` or a shorter table,
 * never an exception. Shared with rust/auditable (which looks for the `.dep-v0` section).
 * `mayHaveSection` answers the same question from an opened file's header and section table
 * alone, so that an executable without the section is never read whole.
 *
 * References: the ELF gABI (https://refspecs.linuxfoundation.org/elf/gabi4+/ch4.sheader.html),
 * Apple's <mach-o/loader.h>, Microsoft's PE format
 * (https://learn.microsoft.com/windows/win32/debug/pe-format).
 */
import type { FileReader } from '../../types.ts';
import { extensionIn, extensions } from '../../file-names.ts';

export interface ExeSection {
  name: string;
  /** virtual address of the section's first byte (PE: image base included) */
  addr: number;
  /** file offset of the section's bytes; 0 with `fileSize` 0 when it has none (.bss) */
  offset: number;
  /** bytes present in the file */
  fileSize: number;
}

export interface Exe {
  format: 'elf' | 'macho' | 'pe';
  littleEndian: boolean;
  /** 4 or 8 */
  ptrSize: number;
  sections: ExeSection[];
  /** ELF program headers (PT_LOAD) as extra address ranges, for binaries without section headers */
  segments: ExeSection[];
}

/** Recognises an executable by its magic number, without parsing it. */
export function exeFormat(buf: Buffer): Exe['format'] | undefined {
  if (buf.length < 64) return undefined;
  if (buf[0] === 0x7f && buf[1] === 0x45 && buf[2] === 0x4c && buf[3] === 0x46) return 'elf';
  const m = buf.readUInt32LE(0);
  if (m === 0xfeedfacf || m === 0xfeedface || m === 0xcffaedfe || m === 0xcefaedfe) return 'macho';
  if (buf[0] === 0x4d && buf[1] === 0x5a) return 'pe';
  return undefined;
}

/** The bytes at the start of a file that exeFormat and the ELF header's fields are read from. */
export const EXE_HEAD_BYTES = 64;

/** Reads `buf.length` bytes at `position`, fewer only at the end of the file; the bytes read. */
export async function readFully(r: FileReader, buf: Buffer, position: number): Promise<number> {
  let got = 0;
  while (got < buf.length) {
    const n = await r.read(buf, got, buf.length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/** The first EXE_HEAD_BYTES of an opened file; undefined when it is shorter (exeFormat says no to such a file). */
export async function readHead(r: FileReader): Promise<Buffer | undefined> {
  const head = await sharedRead(r, 0, EXE_HEAD_BYTES);
  return head.length === EXE_HEAD_BYTES ? head : undefined;
}

/**
 * Reads of one opened file that the extractors looking at the same executable make alike (its
 * header, its section table: go/binary and rust/auditable), once per reader: the inventory hands
 * every extractor of a file the same reader. The bytes read (fewer at the end of the file); never
 * to be written to.
 */
const sharedReads = new WeakMap<FileReader, Map<string, Promise<Buffer>>>();
function sharedRead(r: FileReader, position: number, length: number): Promise<Buffer> {
  let m = sharedReads.get(r);
  if (!m) sharedReads.set(r, (m = new Map()));
  const key = `${position}:${length}`;
  let p = m.get(key);
  if (!p) {
    const buf = Buffer.allocUnsafe(length);
    p = readFully(r, buf, position).then((n) => buf.subarray(0, n));
    m.set(key, p);
  }
  return p;
}

/**
 * The section header table at `shoff` with up to NAMES_BEFORE_TABLE bytes before it (where linkers
 * usually put the section names), read once per reader; undefined when the file ends before it.
 */
async function sectionWindow(r: FileReader, shoff: number, tableBytes: number): Promise<{ win: Buffer; winStart: number } | undefined> {
  const before = Math.min(shoff, NAMES_BEFORE_TABLE);
  const win = await sharedRead(r, shoff - before, before + tableBytes);
  return win.length === before + tableBytes ? { win, winStart: shoff - before } : undefined;
}

/** Section header tables larger than this are not read piecemeal (mayHaveSection says "maybe"). */
const MAX_SECTION_TABLE = 4 * 1024 * 1024;
/** Bytes before the section header table mayHaveSection reads with it: where the section names usually are. */
const NAMES_BEFORE_TABLE = 4096;

/**
 * Whether `sectionData(bytes, parseExe(bytes), names)` may find a section in the opened file `r`,
 * without reading the file whole: false only when it certainly finds none (or parseExe would
 * fail), so a caller that then returns nothing may stop here. For an ELF file it reads the section
 * header table parseElf reads and, for each section sectionData would accept (bytes in the file),
 * the bytes of its name; for Mach-O, PE, and ELF tables it does not read the way parseElf does it
 * says true (read the file whole).
 * @param head the file's first EXE_HEAD_BYTES (readHead)
 * @param names non-empty section names of under 256 latin1 characters (parseElf's name limit)
 */
export async function mayHaveSection(r: FileReader, head: Buffer, names: string[]): Promise<boolean> {
  if (exeFormat(head) !== 'elf') return true;
  const size = r.size;
  // parseElf's reading of the header, section table and names (see there), against the file's size
  const { is64, shoff, shentsize, shnum, shstrndx, le, w } = elfHeader(head);
  // entries whose fields overlap the next one or run past the end: as parseElf would meet them
  if (shentsize < (is64 ? 40 : 24)) return true;
  // parseElf takes entry i while shoff + (i + 1) * shentsize <= size
  const count = shoff > size ? 0 : Math.min(shnum, Math.floor((size - shoff) / shentsize));
  // no entries, or no name table among them: every name is "" and no name matches
  if (count === 0 || shstrndx >= count) return false;
  if (count * shentsize > MAX_SECTION_TABLE) return true;
  // one read for the table and, usually, the names too: linkers put the name table right before it
  const window = await sectionWindow(r, shoff, count * shentsize);
  if (!window) return true; // the file shrank since it was opened
  const { win, winStart } = window;
  const before = shoff - winStart;
  const strtabOffset = num(win, before + shstrndx * shentsize + (is64 ? 24 : 16), w, le);
  // where the names of the sections sectionData would take (SHT_NOBITS has no bytes) start
  const at: number[] = [];
  for (let i = 0; i < count; i++) {
    const s = before + i * shentsize;
    if (num(win, s + 4, 4, le) === 8) continue;
    const offset = num(win, s + (is64 ? 24 : 16), w, le);
    const bytes = num(win, s + (is64 ? 32 : 20), w, le);
    if (bytes > 0 && offset + bytes <= size) at.push(strtabOffset + num(win, s, 4, le));
  }
  if (at.length === 0) return false;
  const wanted = names.map((n) => Buffer.from(n, 'latin1'));
  let span = 0;
  for (const n of wanted) span = Math.max(span, n.length + 1);
  // cstr: a name runs to a NUL or the end of the file; it equals `n` when n's bytes are followed by
  // either. `avail`: the bytes at `start` that were read (fewer than `span` only at the end of the
  // file, or in a file that changed: then a name that fills them is a match)
  const nameAt = (buf: Buffer, start: number, avail: number): boolean => {
    for (const n of wanted) {
      if (avail < n.length) continue;
      let k = 0;
      while (k < n.length && buf[start + k] === n[k]) k++;
      if (k === n.length && (avail === n.length || buf[start + k] === 0)) return true;
    }
    return false;
  };
  const rest: number[] = [];
  for (const p of at) {
    if (p >= winStart && p + span <= shoff) {
      if (nameAt(win, p - winStart, span)) return true;
    } else rest.push(p);
  }
  if (rest.length === 0) return false;
  let lo = rest[0];
  let hi = rest[0];
  for (const p of rest) {
    lo = Math.min(lo, p);
    hi = Math.max(hi, p);
  }
  hi += span;
  if (hi - lo <= 64 * 1024) {
    // names elsewhere, in one string table: read at once
    const region = Buffer.allocUnsafe(hi - lo);
    const n = await readFully(r, region, lo);
    return rest.some((p) => nameAt(region, p - lo, Math.max(0, Math.min(span, n - (p - lo)))));
  }
  const bytes = Buffer.allocUnsafe(span);
  for (const p of rest) if (nameAt(bytes, 0, await readFully(r, bytes, p))) return true;
  return false;
}

/** Bytes of a data window readers search (Go's debug/buildinfo reads 64 KiB there). */
export const DATA_WINDOW_BYTES = 64 * 1024;
/** Program header tables and section name tables larger than this are not read piecemeal. */
const MAX_NAME_TABLE = 1024 * 1024;

/**
 * Where in an opened ELF file the build info can be (after Go's debug/buildinfo, its
 * `elfExe.DataStart`): the section named `name` when the file has it; with no section table at all
 * (sstrip, a packer), the first loadable segment that is writable and not executable, where Go's
 * linker puts that section first. The window is the first DATA_WINDOW_BYTES there, as file offset
 * and length. `null`: no build info can be there.
 * One difference from Go's reader, on purpose: a file whose section table lists no such section is
 * `null`, where Go would still search its first data segment. Every Go linker since 1.13 (the first
 * with build info) writes `.go.buildinfo`, and `strip` keeps it; the segment of every other
 * executable of a system (most of them C) was 64 KiB read for nothing (~10 ms of CPU for bullseye's
 * 459 executables). binary.test.ts checks this against the whole-file search on this machine's files.
 * `undefined`: tables this reader does not read piecemeal (huge, or their name table out of range),
 * or no section and no program header at all (no runnable file; a test's bare header): search the file.
 * Reads the section table and its name table, or the program headers, never the whole file.
 * @param head the file's first EXE_HEAD_BYTES (readHead), of an ELF file
 */
export async function elfDataWindow(r: FileReader, head: Buffer, name: string): Promise<{ offset: number; length: number } | null | undefined> {
  const size = r.size;
  const { is64, le, w, shoff, shentsize, shnum, shstrndx, phoff, phentsize, phnum } = elfHeader(head);
  const window = (offset: number, max: number) => ({ offset, length: Math.max(0, Math.min(DATA_WINDOW_BYTES, max, size - offset)) });
  // sections, as parseElf reads them: entry i while shoff + (i + 1) * shentsize <= size
  const count = shentsize < (is64 ? 40 : 24) || shoff > size ? 0 : Math.min(shnum, Math.floor((size - shoff) / shentsize));
  if (count > 0) {
    if (count * shentsize > MAX_SECTION_TABLE || shstrndx >= count) return undefined;
    // the same read as mayHaveSection's (one for both extractors), the names from it when they lie there
    const sw = await sectionWindow(r, shoff, count * shentsize);
    if (!sw) return undefined;
    const { win, winStart } = sw;
    const table = win.subarray(shoff - winStart);
    const field = (i: number, at64: number, at32: number, bytes: number) => num(table, i * shentsize + (is64 ? at64 : at32), bytes, le);
    const strOff = field(shstrndx, 24, 16, w);
    const strSize = field(shstrndx, 32, 20, w);
    if (strSize > MAX_NAME_TABLE || strOff + strSize > size) return undefined;
    let names: Buffer;
    if (strOff >= winStart && strOff + strSize <= winStart + win.length) names = win.subarray(strOff - winStart, strOff - winStart + strSize);
    else {
      names = Buffer.allocUnsafe(strSize);
      if ((await readFully(r, names, strOff)) < strSize) return undefined;
    }
    const wanted = Buffer.from(name, 'latin1');
    for (let i = 0; i < count; i++) {
      const at = field(i, 0, 0, 4);
      if (at + wanted.length >= strSize || names[at + wanted.length] !== 0 || !names.subarray(at, at + wanted.length).equals(wanted)) continue;
      if (field(i, 4, 4, 4) === 8) continue; // SHT_NOBITS: no bytes in the file
      const offset = field(i, 24, 16, w);
      if (offset < size) return window(offset, size - offset);
    }
    // a section table without it: no Go linker's output (see above)
    return null;
  }
  // the first PT_LOAD with PF_W and without PF_X
  const pcount = phentsize < (is64 ? 56 : 32) || phoff > size ? 0 : Math.min(phnum, Math.floor((size - phoff) / phentsize));
  // neither table: no program a loader could run; nothing to go by but the bytes (search them)
  if (pcount === 0) return undefined;
  if (pcount * phentsize > MAX_NAME_TABLE) return undefined;
  const ph = Buffer.allocUnsafe(pcount * phentsize);
  const got = await readFully(r, ph, phoff);
  for (let i = 0; (i + 1) * phentsize <= got; i++) {
    const p = i * phentsize;
    if (num(ph, p, 4, le) !== 1) continue; // PT_LOAD
    const flags = num(ph, p + (is64 ? 4 : 24), 4, le);
    if ((flags & 3) !== 2) continue; // PF_W = 2, PF_X = 1
    const offset = num(ph, p + (is64 ? 8 : 4), w, le);
    const fileSize = num(ph, p + (is64 ? 32 : 16), w, le);
    return offset < size ? window(offset, fileSize) : null;
  }
  return null;
}

/** Parses the section table of an ELF, Mach-O (thin) or PE file; undefined when it is none of them or broken. */
export function parseExe(buf: Buffer): Exe | undefined {
  try {
    switch (exeFormat(buf)) {
      case 'elf': return parseElf(buf);
      case 'macho': return parseMachO(buf);
      case 'pe': return parsePe(buf);
      default: return undefined;
    }
  } catch {
    // a RangeError from a truncated or lying header: not an executable we can read
    return undefined;
  }
}

/** The bytes of the named section, or undefined. */
export function sectionData(buf: Buffer, exe: Exe, names: string[]): Buffer | undefined {
  for (const s of exe.sections) {
    if (names.includes(s.name) && s.fileSize > 0 && s.offset + s.fileSize <= buf.length) return buf.subarray(s.offset, s.offset + s.fileSize);
  }
  return undefined;
}

/** Reads `n` bytes at a virtual address, or undefined when no section or segment holds them. */
export function readAt(buf: Buffer, exe: Exe, addr: number, n: number): Buffer | undefined {
  for (const s of [...exe.sections, ...exe.segments]) {
    if (s.fileSize > 0 && addr >= s.addr && addr + n <= s.addr + s.fileSize) {
      const off = s.offset + (addr - s.addr);
      if (off + n <= buf.length) return buf.subarray(off, off + n);
    }
  }
  return undefined;
}

export function num(buf: Buffer, off: number, size: number, le: boolean): number {
  switch (size) {
    case 2: return le ? buf.readUInt16LE(off) : buf.readUInt16BE(off);
    case 4: return le ? buf.readUInt32LE(off) : buf.readUInt32BE(off);
    // two halves, not a BigInt: the same value (one rounding to the nearest double either way), and
    // the same RangeError past the end; mayHaveSection reads several per section header
    default: return le ? buf.readUInt32LE(off) + buf.readUInt32LE(off + 4) * 2 ** 32 : buf.readUInt32BE(off) * 2 ** 32 + buf.readUInt32BE(off + 4);
  }
}

function cstr(buf: Buffer, off: number, max: number): string {
  let end = off;
  while (end < buf.length && end - off < max && buf[end] !== 0) end++;
  return buf.toString('latin1', off, end);
}

/** The ELF header's class, byte order and table fields (the gABI's e_phoff … e_shstrndx), from its first 64 bytes. */
function elfHeader(head: Buffer) {
  const is64 = head[4] === 2;
  const le = head[5] !== 2;
  const w = is64 ? 8 : 4;
  return {
    is64, le, w,
    phoff: num(head, is64 ? 0x20 : 0x1c, w, le),
    shoff: num(head, is64 ? 0x28 : 0x20, w, le),
    phentsize: num(head, is64 ? 0x36 : 0x2a, 2, le),
    phnum: num(head, is64 ? 0x38 : 0x2c, 2, le),
    shentsize: num(head, is64 ? 0x3a : 0x2e, 2, le),
    shnum: num(head, is64 ? 0x3c : 0x30, 2, le),
    shstrndx: num(head, is64 ? 0x3e : 0x32, 2, le),
  };
}

function parseElf(buf: Buffer): Exe | undefined {
  const { is64, le, w, phoff, shoff, phentsize, phnum, shentsize, shnum, shstrndx } = elfHeader(buf);
  const segments: ExeSection[] = [];
  for (let i = 0; i < phnum && phoff + (i + 1) * phentsize <= buf.length; i++) {
    const p = phoff + i * phentsize;
    if (num(buf, p, 4, le) !== 1) continue; // PT_LOAD
    segments.push(is64
      ? { name: '', offset: num(buf, p + 8, 8, le), addr: num(buf, p + 16, 8, le), fileSize: num(buf, p + 32, 8, le) }
      : { name: '', offset: num(buf, p + 4, 4, le), addr: num(buf, p + 8, 4, le), fileSize: num(buf, p + 16, 4, le) });
  }
  const raw: { nameOff: number; type: number; addr: number; offset: number; size: number }[] = [];
  for (let i = 0; i < shnum && shoff + (i + 1) * shentsize <= buf.length; i++) {
    const s = shoff + i * shentsize;
    raw.push(is64
      ? { nameOff: num(buf, s, 4, le), type: num(buf, s + 4, 4, le), addr: num(buf, s + 16, 8, le), offset: num(buf, s + 24, 8, le), size: num(buf, s + 32, 8, le) }
      : { nameOff: num(buf, s, 4, le), type: num(buf, s + 4, 4, le), addr: num(buf, s + 12, 4, le), offset: num(buf, s + 16, 4, le), size: num(buf, s + 20, 4, le) });
  }
  const strtab = raw[shstrndx];
  const sections = raw.map((r) => ({
    name: strtab ? cstr(buf, strtab.offset + r.nameOff, 256) : '',
    addr: r.addr,
    offset: r.offset,
    fileSize: r.type === 8 ? 0 : r.size, // SHT_NOBITS
  }));
  return { format: 'elf', littleEndian: le, ptrSize: w, sections, segments };
}

function parseMachO(buf: Buffer): Exe | undefined {
  const m = buf.readUInt32LE(0);
  const le = m === 0xfeedfacf || m === 0xfeedface;
  const is64 = m === 0xfeedfacf || m === 0xcffaedfe;
  const ncmds = num(buf, 16, 4, le);
  let p = is64 ? 32 : 28;
  const sections: ExeSection[] = [];
  for (let i = 0; i < ncmds && p + 8 <= buf.length; i++) {
    const cmd = num(buf, p, 4, le);
    const size = num(buf, p + 4, 4, le);
    if (size < 8) break;
    if (cmd === 0x19 || cmd === 0x1) {
      const w = cmd === 0x19 ? 8 : 4;
      const nsects = num(buf, p + 8 + 16 + 4 * w + 8, 4, le);
      let s = p + 8 + 16 + 4 * w + 16;
      const secSize = cmd === 0x19 ? 80 : 68;
      for (let j = 0; j < nsects && s + secSize <= buf.length; j++, s += secSize) {
        const type = num(buf, s + 32 + 2 * w + 16, 4, le) & 0xff; // flags: S_ZEROFILL = 1
        sections.push({
          name: cstr(buf, s, 16),
          addr: num(buf, s + 32, w, le),
          offset: num(buf, s + 32 + 2 * w, 4, le),
          fileSize: type === 1 ? 0 : num(buf, s + 32 + w, w, le),
        });
      }
    }
    p += size;
  }
  return { format: 'macho', littleEndian: le, ptrSize: is64 ? 8 : 4, sections, segments: [] };
}

function parsePe(buf: Buffer): Exe | undefined {
  const pe = buf.readUInt32LE(0x3c);
  if (buf.readUInt32LE(pe) !== 0x00004550) return undefined; // "PE\0\0"
  const nsec = buf.readUInt16LE(pe + 6);
  const optSize = buf.readUInt16LE(pe + 20);
  const opt = pe + 24;
  const magic = buf.readUInt16LE(opt);
  const is64 = magic === 0x20b;
  const imageBase = is64 ? Number(buf.readBigUInt64LE(opt + 24)) : buf.readUInt32LE(opt + 28);
  const sections: ExeSection[] = [];
  for (let i = 0, s = opt + optSize; i < nsec && s + 40 <= buf.length; i++, s += 40) {
    sections.push({
      name: cstr(buf, s, 8),
      addr: imageBase + buf.readUInt32LE(s + 12),
      offset: buf.readUInt32LE(s + 20),
      fileSize: buf.readUInt32LE(s + 16),
    });
  }
  return { format: 'pe', littleEndian: true, ptrSize: is64 ? 8 : 4, sections, segments: [] };
}

/** Largest file the binary extractors open. */
export const MAX_BINARY_BYTES = 200 * 1024 * 1024;

// executable-bit files that are certainly not compiled programs (scripts, libraries' sources, data)
const NOT_BINARY = extensions('sh bash py pyc pl pm rb js mjs cjs ts mts cts tsx jsx map php lua tcl txt md rst htm html css json yml yaml toml xml ini conf cfg csv desktop service png jpg jpeg gif svg ico gz xz bz2 zst zip jar war tar h c cc cpp go rs java class o a la pc mo po');

/**
 * A project's documents by their conventional names (LICENSE, README.markdown, CHANGELOG, …): text,
 * never a program, whatever their mode. Every package of a node_modules tree has some; ruling them
 * out by name spares the binary matchers a stat each in a directory walk.
 */
export const TEXT_FILE_NAME = /^(?:licen[cs]e|copying|readme|changelog|changes|history|authors|contributors|notice|patents|security|code_of_conduct|contributing)(?:[.-][^.]*)?$/i;

/**
 * fileRequired for compiled binaries, from path and mode only: an executable bit set (or a
 * `.exe` name when the source has no modes), at most MAX_BINARY_BYTES, and no tell-tale
 * non-binary extension. Shared libraries (`.so`) without an executable bit are not offered.
 */
export function isCandidateBinary(path: string, info: { kind: string; size: number; mode?: number }): boolean {
  if (info.kind !== 'file') return false;
  const base = path.slice(path.lastIndexOf('/') + 1);
  // the name first: a directory walk reads size and mode with a stat only when asked (sources/dir)
  if (extensionIn(base, NOT_BINARY) || TEXT_FILE_NAME.test(base)) return false;
  if (info.size < 64 || info.size > MAX_BINARY_BYTES) return false;
  if (info.mode === undefined) return /\.exe$/i.test(base);
  return (info.mode & 0o111) !== 0 || /\.exe$/i.test(base);
}
