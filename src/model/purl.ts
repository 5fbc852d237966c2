/** Package URLs (https://github.com/package-url/purl-spec), built with packageurl-js. */
import { PackageURL } from 'packageurl-js';

/** purl type per OSV base ecosystem. */
const PURL_TYPE: Record<string, string> = {
  npm: 'npm', PyPI: 'pypi', Go: 'golang', 'crates.io': 'cargo', RubyGems: 'gem', Packagist: 'composer',
  Maven: 'maven', NuGet: 'nuget', Pub: 'pub', Hex: 'hex', SwiftURL: 'swift',
  Debian: 'deb', Ubuntu: 'deb', Alpine: 'apk', Wolfi: 'apk', Chainguard: 'apk',
  AlmaLinux: 'rpm', 'Rocky Linux': 'rpm', 'Red Hat': 'rpm', SUSE: 'rpm', openSUSE: 'rpm', Fedora: 'rpm',
};

/**
 * Builds a purl string. `namespace` is the npm scope ("@babel"), Maven group, Go module path
 * prefix, Composer vendor or distro ("debian"); qualifiers such as `distro=debian-11`, `arch`.
 */
export function makePurl(type: string, namespace: string | undefined, name: string, version: string | undefined, qualifiers?: Record<string, string>): string {
  const q = qualifiers && Object.keys(qualifiers).length ? qualifiers : undefined;
  return new PackageURL(type, namespace || undefined, name, version || undefined, q, undefined).toString();
}

/** The purl type for an OSV ecosystem ("Debian:11" → "deb"), or undefined. */
export function purlType(ecosystem: string): string | undefined {
  const i = ecosystem.indexOf(':');
  return PURL_TYPE[i < 0 ? ecosystem : ecosystem.slice(0, i)];
}

/** Parses a purl string; undefined when invalid. */
export function parsePurl(purl: string): PackageURL | undefined {
  try {
    return PackageURL.fromString(purl);
  } catch {
    return undefined;
  }
}
