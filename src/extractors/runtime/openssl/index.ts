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

const NAME = 'runtime/openssl';
/** libssl.so.3, libcrypto.so.1.1, libcrypto-3-x64.dll, libssl-1_1.dll, libcrypto.3.dylib */
const LIBRARY = /^lib(ssl|crypto)(?:-\d+(?:_\d+)*(?:-x64|-arm64)?\.dll|\.so(?:\.\d+)*|(?:\.\d+)*\.dylib)$/;
/** Executables and shared objects smaller than this hold no OpenSSL (its libcrypto alone is ~2 MB). */
export const MIN_LINKED_BYTES = 256 * 1024;
const SHARED_OBJECT = /\.so(?:\.\d+)*$|\.dll$|\.dylib$/;
/** not binaries, whatever their mode says */
const NOT_BINARY = /\.(?:sh|py|pl|rb|js|mjs|cjs|ts|json|txt|md|html|css|xml|ya?ml|conf|cfg|ini|jar|war|zip|gz|tgz|xz|bz2|zst|tar|whl|egg|pyc|class|png|jpe?g|gif|svg|pdf)$/i;

/**
 * OPENSSL_VERSION_TEXT: version (letter releases up to 1.1.1), an optional fork or FIPS suffix, the
 * release date. The anchor leaves out the space: Buffer.indexOf skips ahead by its last byte, and a
 * space (like a NUL) is so common in binaries that "OpenSSL " searched node ~20 times slower.
 */
export const OPENSSL_VERSION: Probe = { anchor: 'OpenSSL', before: 0, after: 48, re: /^OpenSSL (\d+\.\d+\.\d+[a-z]{0,2})(?:[-+][0-9A-Za-z.+-]*)? {1,2}\d{1,2} [A-Z][a-z]{2} \d{4}/ };

/** True for a file this plugin reads: an OpenSSL library by name, or a large enough binary outside the OS's directories. */
export function opensslCandidate(path: string, size: number, mode: number | undefined): boolean {
  const base = baseOf(path);
  if (LIBRARY.test(base)) return size >= 1024;
  if (size < MIN_LINKED_BYTES || OS_DIRS.test(path) || NOT_BINARY.test(base)) return false;
  return SHARED_OBJECT.test(base) || (mode !== undefined && isExecutable(mode));
}

export const opensslExtractor: Extractor = {
  name: NAME,
  version: 1,
  // what the path alone rules out first (opensslCandidate says no to it whatever the size): a
  // directory source stats a file only when its size or mode is asked
  fileRequired: (path, info) => (LIBRARY.test(baseOf(path)) || !(OS_DIRS.test(path) || NOT_BINARY.test(baseOf(path)))) && opensslCandidate(path, info.size, info.mode),
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
