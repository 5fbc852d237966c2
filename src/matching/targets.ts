/**
 * What a package is searched by: the distro rules of matching. A Debian binary package is searched
 * by its source package in its own release; an Alpine package by its origin in its branch; a
 * RHEL-family package by its own name in its errata ecosystem; a language package by its name in
 * its ecosystem — unless the OS package manager installed it, in which case its owner covers it.
 */
import { ecosystemBase, ecosystemRelease, normalizePackageName, type Package } from '../model/index.ts';

/** OSV ecosystems of operating-system distributions (https://ossf.github.io/osv-schema/#defined-ecosystems). */
export const OS_ECOSYSTEMS: ReadonlySet<string> = new Set([
  'AlmaLinux', 'Alpaquita', 'Alpine', 'Azure Linux', 'BellSoft Hardened Containers', 'Bitnami', 'Chainguard',
  'Debian', 'Mageia', 'MinimOS', 'openEuler', 'openSUSE', 'Photon OS', 'Red Hat', 'Rocky Linux', 'SUSE',
  'Ubuntu', 'Wolfi', 'Echo',
]);

/** Ecosystems Vigil inventories that OSV defines no advisories for (CocoaPods: GHSA and OSV have none). */
const NOT_IN_OSV: ReadonlySet<string> = new Set(['CocoaPods', 'OpenSSL']);

/** Distributions whose advisories are keyed by *source* package (Debian `Source:`, Alpine origin). */
const BY_SOURCE = new Set(['Debian', 'Ubuntu', 'Alpine', 'Wolfi', 'Chainguard', 'Alpaquita', 'BellSoft Hardened Containers', 'MinimOS']);

/** Distributions whose ecosystem is meaningless without a release ("Debian:11", "Alpine:v3.18", "AlmaLinux:9"). */
const NEEDS_RELEASE = new Set(['Debian', 'Ubuntu', 'Alpine', 'AlmaLinux', 'Rocky Linux', 'Mageia', 'openEuler', 'Photon OS', 'Alpaquita', 'BellSoft Hardened Containers']);

/** True for packages of an OS distribution. */
export function isOsEcosystem(ecosystem: string): boolean {
  return OS_ECOSYSTEMS.has(ecosystemBase(ecosystem));
}

/** What one package is matched by. */
export type Target =
  | {
    /** the ecosystem searched, exactly (release included) */
    ecosystem: string;
    /** the name searched (source package for Debian/Ubuntu/Alpine) */
    name: string;
    /** index key: ecosystem + normalized name */
    key: string;
    /** the version compared (the source version when the inventory gives one) */
    version: string;
    /** "source" when searched by the distro source package */
    via: 'name' | 'source';
  }
  | { skip: string }
  | { unknown: string };

/** Index key of (ecosystem, name): the exact ecosystem and the ecosystem's normalized name. */
export function packageKey(ecosystem: string, name: string): string {
  return `${ecosystem}\u0000${normalizePackageName(ecosystem, name)}`;
}

/** What the rules need to know of an ecosystem string, computed once per distinct string. */
interface EcoInfo {
  base: string;
  os: boolean;
  /** a distribution that needs a release, named without one */
  noRelease: boolean;
  bySource: boolean;
}
const ecoInfos = new Map<string, EcoInfo>();

function ecoInfo(ecosystem: string): EcoInfo {
  let info = ecoInfos.get(ecosystem);
  if (!info) {
    const base = ecosystemBase(ecosystem);
    info = { base, os: OS_ECOSYSTEMS.has(base), noRelease: NEEDS_RELEASE.has(base) && !ecosystemRelease(ecosystem), bySource: BY_SOURCE.has(base) };
    if (ecoInfos.size >= 10_000) ecoInfos.clear(); // a bound for inventories with odd ecosystem strings
    ecoInfos.set(ecosystem, info);
  }
  return info;
}

/** Whether packages of the ecosystem are searched by their source package (Debian, Ubuntu, Alpine, …) rather than their own name. */
export function searchesBySource(ecosystem: string): boolean {
  return ecoInfo(ecosystem).bySource;
}

/**
 * A package whose purl says it was built from version control (`vcs_url`) or downloaded from
 * elsewhere (`download_url`: a local path, an SDK bundle) is not its registry's release of that
 * name (a git dependency in pubspec.lock or mix.lock, a pod from :path): returns where it came
 * from, or undefined. Written by src/extractors/lockfile.ts; purl-spec qualifiers.
 */
export function notFromRegistry(purl: string | undefined): string | undefined {
  if (!purl) return undefined;
  const q = purl.indexOf('?');
  if (q < 0) return undefined;
  const m = /(?:^|&)(vcs_url|download_url)=([^&#]*)/.exec(purl.slice(q + 1));
  if (!m) return undefined;
  let v = m[2];
  try { v = decodeURIComponent(v); } catch { /* as written */ }
  return `${m[1]} ${v}`;
}

/** Applies the matching rules to one package. */
export function targetOf(pkg: Package): Target {
  const t = searchOf(pkg);
  return 'name' in t ? { ecosystem: t.ecosystem, name: t.name, key: packageKey(t.ecosystem, t.name), version: t.version, via: t.via } : t;
}

/** What a searchable package is searched by: {@link Target} without the index key. */
export type Search = Omit<Extract<Target, { key: string }>, 'key'>;

/** {@link targetOf} without the index key (the matching loop looks groups up by ecosystem, then name). */
export function searchOf(pkg: Package): Search | { skip: string } | { unknown: string } {
  const out: Search = { ecosystem: '', name: '', version: '', via: 'name' };
  return searchInto(pkg, out) ?? out;
}

/**
 * {@link searchOf} into an object the caller reuses from package to package (matching allocates
 * nothing for a package that nothing affects): undefined when the package is searched, with `out`
 * filled in, else why it is not.
 */
export function searchInto(pkg: Package, out: Search): { skip: string } | { unknown: string } | undefined {
  if (pkg.ownedBy) {
    return { skip: `installed by the OS package ${pkg.ownedBy}; matched once, through its owner's distribution advisories` };
  }
  if (NOT_IN_OSV.has(pkg.ecosystem)) return { skip: `OSV has no ${pkg.ecosystem} ecosystem: listed, not matched` };
  const from = notFromRegistry(pkg.purl);
  if (from) return { skip: `not its registry's release (${from}); registry advisories are not matched against it` };
  const ecosystem = pkg.ecosystem.trim();
  const { base, os, noRelease, bySource } = ecoInfo(ecosystem);
  if (!pkg.version || pkg.version.trim() === '') return { unknown: `${ecosystem}/${pkg.name}: no version in the inventory` };
  if (os) {
    if (noRelease) {
      // Debian and Alpine advisories hold for one release only; guessing one would invent findings
      return { unknown: `${ecosystem}/${pkg.name}: the inventory gives no release (expected e.g. "${base}:<release>"), and ${base} advisories hold per release` };
    }
    if (bySource && pkg.sourceName) {
      out.ecosystem = ecosystem;
      out.name = pkg.sourceName;
      out.version = pkg.sourceVersion ?? pkg.version;
      out.via = 'source';
      return undefined;
    }
  }
  out.ecosystem = ecosystem;
  out.name = pkg.name;
  out.version = pkg.version;
  out.via = 'name';
  return undefined;
}
