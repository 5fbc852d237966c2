/**
 * Reads the build information the Go linker embeds in every binary built with modules (the data
 * `go version -m` prints). Pure: bytes in, build info out.
 *
 * Format (Go's src/debug/buildinfo/buildinfo.go): a 32-byte header starting with the 14-byte magic
 * "\xff Go buildinf:", aligned to 16 bytes, then a pointer-size byte and a flags byte.
 * - Go >= 1.18 (flags & 2, "version inline"): the Go version and the module info follow the header
 *   as two uvarint-length-prefixed strings.
 * - Go < 1.18: two pointers (at +16 and +16+ptrSize) to Go string headers {data pointer, length}
 *   elsewhere in the binary; reading them needs the address → file offset map (exe.ts).
 * The module info is wrapped in 16-byte sentinels and holds tab-separated lines:
 * `path`, `mod`, `dep`, `=>` (replaces the line before) and `build` (Go >= 1.18).
 */
import { type Exe, parseExe, readAt } from './exe.ts';
import type { FileReader } from '../../types.ts';

const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const MAX_STRING = 16 * 1024 * 1024;

export interface GoModule {
  path: string;
  version: string;
  sum?: string;
  /** the module that replaced this one (`=>` line): its path, and its version unless it is a directory */
  replace?: { path: string; version: string; sum?: string };
}

export interface GoBuildInfo {
  /** "go1.21.5" */
  goVersion: string;
  /** the main package's import path (`path` line) */
  path?: string;
  main?: GoModule;
  deps: GoModule[];
  /** `build` settings (Go >= 1.18): "-ldflags", "vcs.revision", … */
  settings: Record<string, string>;
  /** which header layout was found */
  layout: 'inline' | 'pointer';
}

export type BuildInfoResult = { info: GoBuildInfo } | { problem: string } | undefined;

/**
 * Finds and decodes the build info. `undefined` means "not a Go binary" (no magic);
 * `{problem}` means the magic is there but the rest could not be decoded.
 */
export function parseGoBuildInfo(buf: Buffer): BuildInfoResult {
  let exe: Exe | undefined;
  let exeParsed = false;
  // Go aligns the header to 16 bytes within its section; the file offset usually keeps that
  // alignment but need not, so every occurrence is tried and validated instead (the Go toolchain
  // itself contains the magic as a string constant, which fails validation and is skipped).
  let lastProblem: string | undefined;
  for (let at = buf.indexOf(MAGIC); at >= 0; at = buf.indexOf(MAGIC, at + 1)) {
    if (at + 32 > buf.length) continue;
    const ptrSize = buf[at + 14];
    const flags = buf[at + 15];
    if (flags & 2) {
      const r = decodeInline(buf, at + 32);
      if ('problem' in r) { lastProblem = r.problem; continue; }
      if (!plausible(r.version)) { lastProblem = implausible(r.version); continue; }
      return finish(r.version, r.mod, 'inline');
    }
    if (ptrSize !== 4 && ptrSize !== 8) { lastProblem = `unexpected pointer size ${ptrSize}`; continue; }
    if (!exeParsed) { exe = parseExe(buf); exeParsed = true; }
    if (!exe) return { problem: 'pointer-format build info in a file that is not a readable ELF, Mach-O or PE executable' };
    const le = (flags & 1) === 0;
    const version = readGoString(buf, exe, readPtr(buf, at + 16, ptrSize, le), ptrSize, le);
    const mod = readGoString(buf, exe, readPtr(buf, at + 16 + ptrSize, ptrSize, le), ptrSize, le);
    if (version === undefined || mod === undefined) { lastProblem = 'build info pointers do not resolve to file data'; continue; }
    if (!plausible(version)) { lastProblem = implausible(version); continue; }
    return finish(version, mod, 'pointer');
  }
  return lastProblem ? { problem: lastProblem } : undefined;
}

/** Whether the build info magic occurs in `buf` (a data window: exe.ts elfDataWindow). */
export function hasMagic(buf: Buffer): boolean {
  return buf.indexOf(MAGIC) >= 0;
}

/** Bytes per read of containsMagic. */
const SEARCH_BYTES = 1024 * 1024;
/** containsMagic's buffer between calls (a concurrent call allocates its own). */
let spare: Buffer | undefined;

/**
 * Whether the build info magic occurs anywhere in the opened file `r` — parseGoBuildInfo finds
 * nothing in a file without it — read through one buffer, so that the executables of a root
 * filesystem that are no Go programs are never held whole. A magic across two reads is found.
 */
export async function containsMagic(r: FileReader): Promise<boolean> {
  const buf = spare ?? Buffer.allocUnsafe(SEARCH_BYTES);
  spare = undefined;
  try {
    let kept = 0;
    for (let pos = 0; ;) {
      const n = await r.read(buf, kept, buf.length - kept, pos);
      if (n === 0) return false;
      pos += n;
      const end = kept + n;
      if (buf.subarray(0, end).indexOf(MAGIC) >= 0) return true;
      // the last bytes may start a magic that the next read completes
      kept = Math.min(MAGIC.length - 1, end);
      buf.copy(buf, 0, end - kept, end);
    }
  } finally {
    spare = buf;
  }
}

const plausible = (v: string): boolean => /^go\d|^devel /.test(v);
const implausible = (v: string): string => `implausible Go version ${JSON.stringify(v.slice(0, 40))}`;

function finish(version: string, mod: string, layout: GoBuildInfo['layout']): BuildInfoResult {
  return { info: { ...parseModInfo(stripSentinels(mod)), goVersion: version, layout } };
}

function readPtr(buf: Buffer, off: number, size: number, le: boolean): number {
  if (size === 4) return le ? buf.readUInt32LE(off) : buf.readUInt32BE(off);
  return Number(le ? buf.readBigUInt64LE(off) : buf.readBigUInt64BE(off));
}

function readGoString(buf: Buffer, exe: Exe, addr: number, ptrSize: number, le: boolean): string | undefined {
  const hdr = readAt(buf, exe, addr, ptrSize * 2);
  if (!hdr) return undefined;
  const data = readPtr(hdr, 0, ptrSize, le);
  const len = readPtr(hdr, ptrSize, ptrSize, le);
  if (len === 0) return '';
  if (len > MAX_STRING) return undefined;
  return readAt(buf, exe, data, len)?.toString('utf8');
}

function uvarint(buf: Buffer, off: number): { value: number; next: number } | undefined {
  let value = 0;
  let shift = 0;
  for (let i = off; i < buf.length && i < off + 10; i++) {
    const b = buf[i];
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return { value, next: i + 1 };
    shift += 7;
  }
  return undefined;
}

function decodeInline(buf: Buffer, off: number): { version: string; mod: string } | { problem: string } {
  const v = uvarint(buf, off);
  if (!v || v.value > MAX_STRING || v.next + v.value > buf.length) return { problem: 'bad inline Go version length' };
  const version = buf.toString('utf8', v.next, v.next + v.value);
  const m = uvarint(buf, v.next + v.value);
  if (!m || m.value > MAX_STRING || m.next + m.value > buf.length) return { problem: 'bad inline module info length' };
  return { version, mod: buf.toString('latin1', m.next, m.next + m.value) };
}

/** The module info is framed by two 16-byte sentinels; Go checks for the '\n' before the end one. */
function stripSentinels(mod: string): string {
  if (mod.length >= 33 && mod[mod.length - 17] === '\n') mod = mod.slice(16, -16);
  else return '';
  // sentinels are binary; the content itself is UTF-8 text
  return Buffer.from(mod, 'latin1').toString('utf8');
}

/** Parses the module-info text (`go version -m` lines). Unknown lines are ignored. */
export function parseModInfo(text: string): Omit<GoBuildInfo, 'goVersion' | 'layout'> {
  const out: Omit<GoBuildInfo, 'goVersion' | 'layout'> = { deps: [], settings: {} };
  let last: GoModule | undefined;
  for (const line of text.split('\n')) {
    const f = line.split('\t');
    switch (f[0]) {
      case 'path': out.path = f[1]; break;
      case 'mod': last = out.main = { path: f[1] ?? '', version: f[2] ?? '', sum: f[3] || undefined }; break;
      case 'dep': last = { path: f[1] ?? '', version: f[2] ?? '', sum: f[3] || undefined }; out.deps.push(last); break;
      case '=>':
        if (last) last.replace = { path: f[1] ?? '', version: f[2] ?? '', sum: f[3] || undefined };
        last = undefined;
        break;
      case 'build': {
        const kv = f.slice(1).join('\t');
        const eq = kv.indexOf('=');
        if (eq > 0) out.settings[kv.slice(0, eq)] = kv.slice(eq + 1);
        break;
      }
      default: break;
    }
  }
  return out;
}
