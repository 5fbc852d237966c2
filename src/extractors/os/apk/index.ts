/**
 * Alpine (and Wolfi, Chainguard) packages from apk's installed database, `lib/apk/db/installed`.
 *
 * Format: blocks separated by blank lines, one `X:value` line per field, where X is a single
 * letter (P name, V version, A arch, o origin, L license, F/R/Z file entries, ...).
 * https://wiki.alpinelinux.org/wiki/Apk_spec ("Installed Database V2")
 */
import { makePurl } from '../../../model/index.ts';
import type { Package } from '../../../model/index.ts';
import type { ExtractContext, Extractor, FileError, OsInfo, ScanFile } from '../../types.ts';
import { named } from '../../file-names.ts';
import { entry as entryOf, fileSink } from '../../entries.ts';

export const NAME = 'os/apk';
const PATH = 'lib/apk/db/installed';

export interface ApkEntry {
  name: string;
  version: string;
  arch?: string;
  origin?: string;
  license?: string;
}

/**
 * Parses the installed database into entries. Only the package-level fields are kept; file lines
 * (F, R, Z, a, M) repeat per file and are skipped. Blocks without P or V are reported.
 */
export function parseApkInstalled(text: string, onProblem: (message: string) => void): ApkEntry[] {
  const out: ApkEntry[] = [];
  let cur: Partial<ApkEntry> = {};
  let lineNo = 0;
  let startLine = 1;
  let seen = false;
  const flush = () => {
    if (seen) {
      if (!cur.name) onProblem(`line ${startLine}: package block has no P: (name)`);
      else if (!cur.version) onProblem(`line ${startLine}: package "${cur.name}" has no V: (version)`);
      else out.push(cur as ApkEntry);
    }
    cur = {};
    seen = false;
  };
  for (const raw of text.split('\n')) {
    lineNo++;
    const line = raw.replace(/\r$/, '');
    if (line === '') {
      flush();
      continue;
    }
    if (!seen) startLine = lineNo;
    seen = true;
    if (line.length < 2 || line[1] !== ':') {
      onProblem(`line ${lineNo}: not an "X:value" line`);
      continue;
    }
    const v = line.slice(2);
    switch (line[0]) {
      case 'P': cur.name = v; break;
      case 'V': cur.version = v; break;
      case 'A': cur.arch = v; break;
      case 'o': cur.origin = v; break;
      case 'L': cur.license = v; break;
      default: break;
    }
  }
  flush();
  return out;
}

/** The purl namespace (and fallback ecosystem) for the apk-based OS. */
function vendorOf(os: OsInfo | undefined): { ns: string; eco: string } {
  if (os?.id === 'wolfi') return { ns: 'wolfi', eco: 'Wolfi' };
  if (os?.id === 'chainguard') return { ns: 'chainguard', eco: 'Chainguard' };
  return { ns: 'alpine', eco: 'Alpine' };
}

export function toPackage(e: ApkEntry, path: string, os: OsInfo | undefined): Package {
  const { ns, eco } = vendorOf(os);
  const qualifiers: Record<string, string> = {};
  if (e.arch) qualifiers.arch = e.arch;
  if (os?.versionId && os.id === ns) qualifiers.distro = `${ns}-${os.versionId}`;
  const pkg: Package = {
    // bare "Alpine" when the release is unknown or edge: listed, not matchable to one release
    ecosystem: os?.ecosystem ?? eco,
    name: e.name,
    version: e.version,
    purl: makePurl('apk', ns, e.name, e.version, qualifiers),
    // apk's origin is the aport (source package) name; Alpine's secdb is keyed by it
    sourceName: e.origin ?? e.name,
    locations: [path],
    foundBy: NAME,
  };
  if (e.license) pkg.licenses = [e.license];
  return pkg;
}

export function parseApk(text: string, path: string, os: OsInfo | undefined, errors: FileError[]): Package[] {
  return parseApkInstalled(text, (message) => errors.push({ path, rule: 'parse-error', message }))
    .flatMap((e) => entryOf(fileSink({ fileErrors: errors }, path), `package ${e.name} ${e.version}`, () => toPackage(e, path, os)) ?? []);
}

export const apkExtractor: Extractor = {
  name: NAME,
  version: 1,
  fileRequired: named({ names: ['installed'] }, (path) => path === PATH),
  async extract(file: ScanFile, ctx: ExtractContext): Promise<Package[]> {
    const buf = await file.read();
    if (buf.includes(0)) {
      ctx.fileErrors.push({ path: file.info.path, rule: 'parse-error', message: 'apk installed database is binary (contains NUL bytes), not text' });
      return [];
    }
    return parseApk(buf.toString('utf8'), file.info.path, ctx.os, ctx.fileErrors);
  },
};
