/**
 * runtime/openssl: OpenSSL shipped beside an application or linked into it — `libcrypto.so.*` /
 * `libssl.so.*` (and their .dll/.dylib names) anywhere, and the OpenSSL version string inside
 * executables and shared objects outside the OS's directories (node, a statically linked server in
 * /opt/app). The version is OpenSSL's own banner, `OPENSSL_VERSION_TEXT`: "OpenSSL 3.0.13 30 Jan 2024",
 * "OpenSSL 1.1.1w  11 Sep 2023", "OpenSSL 3.0.13+quic 30 Jan 2024" (Node's fork).
 */
import type { Package } from '../../../model/index.ts';
import type { ExtractContext, Extractor, ScanFile } from '../../types.ts';
import { baseOf, dirOf, isExecutable, OS_DIRS, runtimePackage } from '../package.ts';
import { probeFirst, type Probe } from '../probe.ts';
import { TEXT_FILE_NAME } from '../../go/binary/exe.ts';
import { extensionIn, extensions } from '../../file-names.ts';

const NAME = 'runtime/openssl';
/** libssl.so.3, libcrypto.so.1.1, libcrypto-3-x64.dll, libssl-1_1.dll, libcrypto.3.dylib */
const LIBRARY = /^lib(ssl|crypto)(?:-\d+(?:_\d+)*(?:-x64|-arm64)?\.dll|\.so(?:\.\d+)*|(?:\.\d+)*\.dylib)$/;
/** Executables and shared objects smaller than this hold no OpenSSL (its libcrypto alone is ~2 MB). */
export const MIN_LINKED_BYTES = 256 * 1024;
const SHARED_OBJECT = /\.so(?:\.\d+)*$|\.dll$|\.dylib$/;
/** not binaries, whatever their mode says */
const NOT_BINARY = extensions('sh bash py pl pm rb js mjs cjs ts mts cts tsx jsx map php lua tcl json txt md rst htm html css xml yml yaml toml conf cfg ini csv jar war zip gz tgz xz bz2 zst tar whl egg pyc class png jpg jpeg gif svg ico pdf h c cc cpp go rs java');

/**
 * OPENSSL_VERSION_TEXT: version (letter releases up to 1.1.1), an optional fork or FIPS suffix, the
 * release date. The anchor leaves out the space: Buffer.indexOf skips ahead by its last byte, and a
 * space (like a NUL) is so common in binaries that "OpenSSL " searched node ~20 times slower.
 */
export const OPENSSL_VERSION: Probe = { anchor: 'OpenSSL', before: 0, after: 48, re: /^OpenSSL (\d+\.\d+\.\d+[a-z]{0,2})(?:[-+][0-9A-Za-z.+-]*)? {1,2}\d{1,2} [A-Z][a-z]{2} \d{4}/ };

/** True for an OpenSSL library by its name (libssl.so.3, libcrypto-3-x64.dll, …) of at least 1 KiB. */
export function isOpensslLibrary(path: string, info: { size: number }): boolean {
  return LIBRARY.test(baseOf(path)) && info.size >= 1024;
}

/**
 * True for a file this plugin reads: an OpenSSL library by name, or a large enough binary outside
 * the OS's directories. The path is tested first: a directory walk reads `size` and `mode` with a
 * stat only when asked (sources/dir), and most files are ruled out by their name.
 */
export function opensslCandidate(path: string, info: { size: number; mode?: number }): boolean {
  const base = baseOf(path);
  if (LIBRARY.test(base)) return info.size >= 1024;
  if (OS_DIRS.test(path) || extensionIn(base, NOT_BINARY) || TEXT_FILE_NAME.test(base) || info.size < MIN_LINKED_BYTES) return false;
  if (SHARED_OBJECT.test(base)) return true;
  const mode = info.mode;
  return mode !== undefined && isExecutable(mode);
}

export const opensslExtractor: Extractor = {
  name: NAME,
  version: 1,
  fileRequired: (path, info) => opensslCandidate(path, info),
  async extract(file: ScanFile, ctx: ExtractContext): Promise<Package[]> {
    const path = file.info.path;
    let version = await probeFirst(file, OPENSSL_VERSION);
    const lib = LIBRARY.exec(baseOf(path));
    if (!version && lib?.[1] === 'ssl') {
      // since 1.1.0 the banner lives in libcrypto only: libssl is the release of the libcrypto beside it
      const beside = `${dirOf(path) ? `${dirOf(path)}/` : ''}${baseOf(path).replace(/^libssl/, 'libcrypto')}`;
      const buf = await ctx.readFile(beside);
      if (buf) version = await probeFirst({ info: { path: beside, kind: 'file', size: buf.length }, read: async () => buf }, OPENSSL_VERSION);
    }
    return version ? [runtimePackage('openssl', version, path, NAME)] : [];
  },
};
