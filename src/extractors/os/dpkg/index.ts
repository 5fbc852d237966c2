/**
 * Debian and Ubuntu packages from the dpkg database: `var/lib/dpkg/status`, and the
 * `var/lib/dpkg/status.d/<name>` files distroless images write instead (one control file per
 * package, no Status field).
 *
 * Format: deb822 control paragraphs, https://man7.org/linux/man-pages/man5/deb-control.5.html and
 * https://www.debian.org/doc/debian-policy/ch-controlfields.html ; states: dpkg-query(1) "Status".
 */
import { makePurl } from '../../../model/index.ts';
import type { Package } from '../../../model/index.ts';
import type { ExtractContext, Extractor, FileError, OsInfo, ScanFile } from '../../types.ts';
import { named } from '../../file-names.ts';
import { entry as entryOf, fileSink } from '../../entries.ts';

export const NAME = 'os/dpkg';

/** One control paragraph: field names as written (case kept), multi-line values joined with "\n". */
export type Paragraph = Record<string, string>;

/**
 * Splits deb822 text into paragraphs. Continuation lines (starting with space or tab) extend the
 * previous field; `#` comment lines are skipped. A line that is neither is reported and skipped.
 */
export function parseParagraphs(text: string, onProblem?: (line: number, message: string) => void): Paragraph[] {
  const out: Paragraph[] = [];
  let cur: Paragraph | undefined;
  let last: string | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (line.trim() === '') {
      if (cur) out.push(cur);
      cur = undefined;
      last = undefined;
      continue;
    }
    if (line.startsWith('#')) continue;
    if (line[0] === ' ' || line[0] === '\t') {
      if (cur && last !== undefined) cur[last] += '\n' + line.slice(1);
      else onProblem?.(i + 1, 'continuation line outside a field');
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      onProblem?.(i + 1, 'line is neither "Field: value" nor a continuation');
      continue;
    }
    cur ??= {};
    last = line.slice(0, colon);
    cur[last] = line.slice(colon + 1).trim();
  }
  if (cur) out.push(cur);
  return out;
}

/** Field lookup ignoring case, as deb822 field names are case-insensitive. */
function field(p: Paragraph, name: string): string | undefined {
  if (name in p) return p[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(p)) if (k.toLowerCase() === lower) return p[k];
  return undefined;
}

export interface DpkgEntry {
  name: string;
  version: string;
  arch?: string;
  sourceName: string;
  /** the `Source: name (version)` version, only when it differs from the binary's */
  sourceVersion?: string;
  status?: string;
}

/**
 * Reads one paragraph into an entry; undefined (with a reason) when it is not an installed
 * package. `requireStatus`: status-file entries must carry a Status whose state is "installed".
 */
export function toEntry(p: Paragraph, requireStatus: boolean): { entry?: DpkgEntry; skip?: string; problem?: string } {
  const name = field(p, 'Package');
  if (!name) return { problem: 'paragraph has no Package field' };
  const status = field(p, 'Status');
  if (status !== undefined || requireStatus) {
    // "want flag state": the state decides whether files are on disk. "hold ok installed" and
    // "deinstall ok installed" (selected for removal, not yet removed) are both installed.
    const words = (status ?? '').split(/\s+/);
    if (words.length !== 3) return { problem: `package "${name}": Status "${status ?? ''}" is not "want flag state"` };
    if (words[2] !== 'installed') return { skip: `package "${name}" is ${words[2]}` };
  }
  const version = field(p, 'Version');
  if (!version) return { problem: `package "${name}" has no Version field` };
  const entry: DpkgEntry = { name, version, sourceName: name };
  const arch = field(p, 'Architecture');
  if (arch) entry.arch = arch;
  if (status) entry.status = status;
  const source = field(p, 'Source');
  if (source) {
    // "Source: glibc" or, when the binary was rebuilt (binNMU "+b1"), "Source: bash (5.2.15-2)"
    const m = /^(\S+)(?:\s+\(([^)]+)\))?$/.exec(source.trim());
    if (!m) return { problem: `package "${name}": Source "${source}" is not "name" or "name (version)"` };
    entry.sourceName = m[1];
    if (m[2] && m[2].trim() !== version) entry.sourceVersion = m[2].trim();
  }
  return { entry };
}

/** Builds the Package for an entry; OS context decides ecosystem, purl namespace and distro. */
export function toPackage(e: DpkgEntry, path: string, os: OsInfo | undefined): Package {
  // Without a recognised OS (or on Debian testing/sid) there is no OSV release: the bare
  // "Debian"/"Ubuntu" ecosystem keeps the package listed and says matching cannot be exact.
  const vendor = os?.id === 'ubuntu' ? 'ubuntu' : 'debian';
  const ecosystem = os?.ecosystem ?? (vendor === 'ubuntu' ? 'Ubuntu' : 'Debian');
  const qualifiers: Record<string, string> = {};
  if (e.arch) qualifiers.arch = e.arch;
  const release = os?.versionId ?? os?.codename;
  if (os && (os.id === 'debian' || os.id === 'ubuntu') && release) qualifiers.distro = `${os.id}-${release}`;
  const pkg: Package = {
    ecosystem,
    name: e.name,
    version: e.version,
    purl: makePurl('deb', vendor, e.name, e.version, qualifiers),
    sourceName: e.sourceName,
    locations: [path],
    foundBy: NAME,
  };
  if (e.sourceVersion) pkg.sourceVersion = e.sourceVersion;
  return pkg;
}

const STATUS = 'var/lib/dpkg/status';
const STATUS_D = /^var\/lib\/dpkg\/status\.d\/[^/]+$/;

/** Whether a path is a dpkg database file this extractor reads. */
export function isDpkgDatabase(path: string): boolean {
  if (path === STATUS) return true;
  // status.d also holds "<pkg>.md5sums" (distroless) and dpkg's own temp/backup files
  return STATUS_D.test(path) && !/\.(md5sums|dpkg-[a-z]+)$|~$/.test(path);
}

/**
 * Parses one dpkg database file. Pure: text in, packages out; problems go to `errors`.
 */
export function parseDpkg(text: string, path: string, os: OsInfo | undefined, errors: FileError[]): Package[] {
  // status-file entries must say they are installed; status.d entries (distroless) carry no Status
  const requireStatus = path === STATUS;
  const out: Package[] = [];
  const paragraphs = parseParagraphs(text, (line, message) => errors.push({ path, rule: 'parse-error', message: `line ${line}: ${message}` }));
  for (const p of paragraphs) {
    const r = toEntry(p, requireStatus);
    if (r.problem) errors.push({ path, rule: 'parse-error', message: r.problem });
    const e = r.entry;
    const pkg = e && entryOf(fileSink({ fileErrors: errors }, path), `package ${e.name} ${e.version}`, () => toPackage(e, path, os));
    if (pkg) out.push(pkg);
  }
  return out;
}

export const dpkgExtractor: Extractor = {
  name: NAME,
  version: 1,
  fileRequired: named({ names: ['status'], dirs: ['var/lib/dpkg/status.d'] }, (path) => isDpkgDatabase(path)),
  async extract(file: ScanFile, ctx: ExtractContext): Promise<Package[]> {
    const buf = await file.read();
    if (buf.includes(0)) {
      ctx.fileErrors.push({ path: file.info.path, rule: 'parse-error', message: 'dpkg database is binary (contains NUL bytes), not deb822 text' });
      return [];
    }
    return parseDpkg(buf.toString('utf8'), file.info.path, ctx.os, ctx.fileErrors);
  },
};

/**
 * The files a package installed, from `var/lib/dpkg/info/<pkg>.list` (or `<pkg>:<arch>.list` for
 * Multi-Arch: same packages), as root-relative paths without the leading "/". Used to tell which
 * language packages (a Python module from a .deb) belong to an OS package. Empty when the list is
 * absent (distroless images keep no info/ directory). The scanner must keep `info/*.list` files
 * (see `isDpkgListFile`) for image sources.
 */
export async function dpkgOwnedFiles(readFile: (p: string) => Promise<Buffer | null>, pkg: string, arch?: string): Promise<string[]> {
  const candidates = arch ? [`${pkg}:${arch}`, pkg] : [pkg];
  for (const c of candidates) {
    const b = await readFile(`var/lib/dpkg/info/${c}.list`);
    if (!b) continue;
    return b.toString('utf8').split('\n').map((l) => l.trim().replace(/^\/+/, '')).filter((l) => l !== '' && l !== '.');
  }
  return [];
}

/** `var/lib/dpkg/info/*.list`: the per-package file lists `dpkgOwnedFiles` reads. */
export function isDpkgListFile(path: string): boolean {
  return /^var\/lib\/dpkg\/info\/[^/]+\.list$/.test(path);
}
