/**
 * scanSecrets: every regular text file of a ScanFS, one at a time (memory holds one file and the
 * findings), with the ignore files of the tree applied; secretContentFilter for the sources.
 */
import type { Logger } from '../../log.ts';
import type { SecretFinding } from '../../model/code.ts';
import type { ContentFilter, FileInfo, ScanFS } from '../../sources/types.ts';
import { IGNORE_FILE_NAMES, parseIgnoreFile, type IgnoreSet } from './ignore.ts';
import { scanText } from './scan.ts';

export const DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024;
/** files read ahead of the one being scanned, and their bytes at most (as listed) */
const READ_AHEAD_FILES = 32;
const READ_AHEAD_BYTES = 32 * 1024 * 1024;
/** bytes looked at for a NUL to call a file binary */
const BINARY_PROBE = 8 * 1024;

export interface SecretScanError {
  path: string;
  rule: string;
  message: string;
}

/** Extensions of files that are binary or compressed: their content is never needed for secrets. */
const BINARY_EXT = new Set(
  'png jpg jpeg gif bmp ico icns webp tif tiff psd svgz pdf zip gz tgz bz2 xz zst lz4 7z rar jar war ear aar apk ipa class dex so dll dylib exe o a lib obj bin dat db sqlite sqlite3 woff woff2 ttf otf eot mp3 mp4 m4a mov avi mkv wav ogg flac webm pyc pyo whl egg deb rpm iso img dmg wasm node pack idx rlib mo cab msi'
    .split(' '),
);

function extension(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot + 1).toLowerCase();
}

/** git internals are compressed objects; only .git/config (remote URLs with credentials) is text worth reading */
const isGitInternal = (path: string): boolean => /(?:^|\/)\.git\//.test(path) && !/(?:^|\/)\.git\/config$/.test(path);

/** Whether the secrets scanner needs this file's content (path and size only). */
export function wantsContent(info: FileInfo, maxFileBytes = DEFAULT_MAX_FILE_BYTES): boolean {
  return info.kind === 'file' && info.size <= maxFileBytes && !BINARY_EXT.has(extension(info.path)) && !isGitInternal(info.path);
}

/**
 * Which files the sources must keep content of for the secrets scanner: regular files up to 5 MiB
 * whose extension is not a binary or compressed format (and not git's object store).
 */
export const secretContentFilter: ContentFilter = (info) => wantsContent(info) || IGNORE_FILE_NAMES.includes(info.path.slice(info.path.lastIndexOf('/') + 1));

/** NUL in the first 8 KiB (UTF-16 with a BOM is text, decoded before this test) */
export const looksBinary = (buf: Buffer): boolean => buf.subarray(0, BINARY_PROBE).includes(0);

/** the text of a file: UTF-16 with a BOM decoded, else UTF-8 (invalid bytes become U+FFFD); null if binary */
export function decodeText(buf: Buffer): string | null {
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return buf.subarray(2).toString('utf16le');
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) {
    const body = buf.subarray(2, 2 + ((buf.length - 2) & ~1));
    return Buffer.from(body).swap16().toString('utf16le');
  }
  if (looksBinary(buf)) return null;
  return buf.toString('utf8');
}

export interface ScanSecretsOptions {
  log?: Logger;
  onProgress?: (files: number, total?: number) => void;
  maxFileBytes?: number;
}

/**
 * Every regular text file of `fs`: binaries (by extension, or a NUL in the first 8 KiB) are skipped,
 * files over maxFileBytes (default 5 MiB) are skipped with a "file-too-large" error, unreadable
 * files are recorded ("read-error"). Each finding carries the layer of its file when the FS knows
 * it. `.vigilignore` / `.secretsignore` files anywhere in the tree suppress findings below them.
 */
export async function scanSecrets(fs: ScanFS, opts: ScanSecretsOptions = {}): Promise<{ findings: SecretFinding[]; errors: SecretScanError[] }> {
  const maxFileBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const findings: SecretFinding[] = [];
  const errors: SecretScanError[] = [];
  // pass 1: count the files and find the ignore files
  let total = 0;
  const ignorePaths: string[] = [];
  for await (const e of fs.entries()) {
    if (e.kind !== 'file') continue;
    total++;
    if (IGNORE_FILE_NAMES.includes(e.path.slice(e.path.lastIndexOf('/') + 1))) ignorePaths.push(e.path);
  }
  const ignore: IgnoreSet[] = [];
  for (const p of ignorePaths) {
    try {
      ignore.push(parseIgnoreFile(p, (await fs.readFile(p)).toString('utf8')));
    } catch (err) {
      errors.push({ path: p, rule: 'read-error', message: `ignore file not read: ${(err as Error).message}` });
    }
  }
  // pass 2: scan, with the next files' reads already under way (a source answers faster when asked
  // for several at once: a git clone's `cat-file --batch`, the thread pool under a directory)
  let done = 0;
  let skippedBinary = 0;
  // in listing order: a file's read, or what was found out about it without reading it
  const ahead: { info: FileInfo; read: Promise<Buffer | Error> | SecretScanError }[] = [];
  let aheadBytes = 0;
  const scanOne = (info: FileInfo, buf: Buffer | Error | SecretScanError): void => {
    if (buf instanceof Error) {
      errors.push({ path: info.path, rule: 'read-error', message: buf.message });
      return;
    }
    if (!Buffer.isBuffer(buf)) {
      errors.push(buf);
      return;
    }
    if (buf.length > maxFileBytes) {
      errors.push({ path: info.path, rule: 'file-too-large', message: `${buf.length} bytes, over the ${maxFileBytes}-byte limit of the secrets scanner: not scanned` });
      return;
    }
    const text = decodeText(buf);
    if (text === null) {
      skippedBinary++;
      return;
    }
    try {
      findings.push(...scanText(info.path, text, { layer: info.layer, ignore }));
    } catch (err) {
      errors.push({ path: info.path, rule: 'scan-error', message: (err as Error).message });
    }
  };
  const next = async (): Promise<void> => {
    const { info, read } = ahead.shift()!;
    if (read instanceof Promise) aheadBytes -= info.size;
    scanOne(info, await read);
  };
  for await (const info of fs.entries()) {
    if (info.kind !== 'file') continue;
    done++;
    opts.onProgress?.(done, total);
    if (!wantsContent(info, Number.POSITIVE_INFINITY)) continue;
    if (info.size > maxFileBytes) {
      ahead.push({ info, read: { path: info.path, rule: 'file-too-large', message: `${info.size} bytes, over the ${maxFileBytes}-byte limit of the secrets scanner: not scanned` } });
    } else {
      ahead.push({ info, read: fs.readFile(info.path).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))) });
      aheadBytes += info.size;
    }
    while (ahead.length >= READ_AHEAD_FILES || aheadBytes > READ_AHEAD_BYTES) await next();
  }
  while (ahead.length) await next();
  opts.log?.debug({ files: done, skippedBinary, findings: findings.length, errors: errors.length }, 'secrets scan done');
  return { findings, errors };
}
