/**
 * Maps OSV ecosystem names (https://ossf.github.io/osv-schema/#defined-ecosystems) to the version
 * scheme that orders their versions. Release suffixes are ignored: "Debian:11", "Alpine:v3.18",
 * "Ubuntu:22.04:LTS" and "Rocky Linux:9" use the scheme of their base ecosystem.
 * An explicit table, no registration by import side effect.
 */
import { ecosystemBase } from '../model/index.ts';
import type { VersionScheme } from './types.ts';
import { semverScheme } from './semver/index.ts';
import { goScheme } from './go/index.ts';
import { pep440Scheme } from './pep440/index.ts';
import { mavenScheme } from './maven/index.ts';
import { rubygemsScheme } from './rubygems/index.ts';
import { nugetScheme } from './nuget/index.ts';
import { composerScheme } from './composer/index.ts';
// the dpkg/rpm/apk folders export their schemes as `dpkg`, `rpm` and `apk`
import { dpkg as dpkgScheme } from './dpkg/index.ts';
import { rpm as rpmScheme } from './rpm/index.ts';
import { apk as apkScheme } from './apk/index.ts';

/** Every scheme by id. */
export const SCHEMES: Readonly<Record<string, VersionScheme>> = {
  semver: semverScheme,
  go: goScheme,
  pep440: pep440Scheme,
  maven: mavenScheme,
  rubygems: rubygemsScheme,
  nuget: nugetScheme,
  composer: composerScheme,
  dpkg: dpkgScheme,
  rpm: rpmScheme,
  apk: apkScheme,
} as unknown as Record<string, VersionScheme>;

/** OSV base ecosystem name → scheme id. */
const ECOSYSTEM_SCHEME: Readonly<Record<string, string>> = {
  npm: 'semver',
  'crates.io': 'semver',
  Pub: 'semver',
  Hex: 'semver',
  SwiftURL: 'semver',
  // Bitnami's records (and the Node.js/Ruby runtime advisories Vigil imports into it) use SEMVER ranges
  Bitnami: 'semver',
  Go: 'go',
  PyPI: 'pep440',
  Maven: 'maven',
  RubyGems: 'rubygems',
  NuGet: 'nuget',
  Packagist: 'composer',
  Debian: 'dpkg',
  Ubuntu: 'dpkg',
  Alpine: 'apk',
  Wolfi: 'apk',
  Chainguard: 'apk',
  AlmaLinux: 'rpm',
  'Rocky Linux': 'rpm',
  'Red Hat': 'rpm',
  openSUSE: 'rpm',
  SUSE: 'rpm',
  Mageia: 'rpm',
  openEuler: 'rpm',
  'Photon OS': 'rpm',
};

/**
 * The scheme id for an OSV ecosystem ("Debian:11" → "dpkg"), or undefined when Vigil has no
 * scheme for it (e.g. "OSS-Fuzz", whose ranges are GIT commits).
 */
export function schemeIdForEcosystem(ecosystem: string): string | undefined {
  let id = schemeIds.get(ecosystem);
  if (id === undefined && !schemeIds.has(ecosystem)) {
    const base = ecosystemBase(ecosystem.trim());
    id = Object.hasOwn(ECOSYSTEM_SCHEME, base) ? ECOSYSTEM_SCHEME[base] : undefined;
    if (schemeIds.size >= 10_000) schemeIds.clear(); // (ecosystem strings come from input: bounded)
    schemeIds.set(ecosystem, id);
  }
  return id;
}
/** ecosystem as spelled → its scheme id: asked once per version compiled or matched */
const schemeIds = new Map<string, string | undefined>();

/** The version scheme for an OSV ecosystem, or undefined when there is none. */
export function schemeForEcosystem(ecosystem: string): VersionScheme | undefined {
  const id = schemeIdForEcosystem(ecosystem);
  return id === undefined ? undefined : SCHEMES[id];
}
