/** Package URLs (https://github.com/package-url/purl-spec), built with packageurl-js. */
import { createRequire } from 'node:module';
import type { PackageURL } from 'packageurl-js';
import { VigilError } from './errors.ts';

/**
 * packageurl-js, loaded with the first purl made or parsed: its module creates an Intl.Collator
 * when evaluated (~5–7 ms of ICU set-up), which every process importing the model paid at start. In
 * Vigil's bundle the `require` is esbuild's (bundled, evaluated at this call), and the bundle's copy
 * makes that collator only when a comparison needs one (scripts/bundle-options.mjs
 * purlLazyCollator); from the TypeScript sources through createRequire (as model/cvss.ts loads its
 * calculator).
 */
let purlCls: typeof PackageURL | undefined;
function purlClass(): typeof PackageURL {
  return purlCls ??= ((typeof require === 'function' ? require('packageurl-js') : createRequire(import.meta.url)('packageurl-js')) as typeof import('packageurl-js')).PackageURL;
}

/** purl type per OSV base ecosystem. */
const PURL_TYPE: Record<string, string> = {
  npm: 'npm', PyPI: 'pypi', Go: 'golang', 'crates.io': 'cargo', RubyGems: 'gem', Packagist: 'composer',
  Maven: 'maven', NuGet: 'nuget', Pub: 'pub', Hex: 'hex', SwiftURL: 'swift', ConanCenter: 'conan',
  // not an OSV ecosystem (listed, not matched: src/matching/targets.ts)
  CocoaPods: 'cocoapods',
  Debian: 'deb', Ubuntu: 'deb', Alpine: 'apk', Wolfi: 'apk', Chainguard: 'apk',
  AlmaLinux: 'rpm', 'Rocky Linux': 'rpm', 'Red Hat': 'rpm', SUSE: 'rpm', openSUSE: 'rpm', Fedora: 'rpm',
};

/**
 * Builds a purl string. `namespace` is the npm scope ("@babel"), Maven group, Go module path
 * prefix, Composer vendor or distro ("debian"); qualifiers such as `distro=debian-11`, `arch`.
 * @throws VigilError VIGIL_INVALID_INPUT (rule "purl") for components packageurl-js refuses (an
 *   empty name, a Maven coordinate without group, a Go "v" version that is not semver, …)
 */
export function makePurl(type: string, namespace: string | undefined, name: string, version: string | undefined, qualifiers?: Record<string, string>): string {
  const q = qualifiers && Object.keys(qualifiers).length ? qualifiers : undefined;
  try {
    return flat(new (purlClass())(type, namespace || undefined, name, version || undefined, q, undefined).toString());
  } catch (err) {
    // packageurl-js's own messages, except its golang check, which fails with a ReferenceError
    // ("throws is not defined") instead of saying what it checks
    const rule = type === 'golang' && err instanceof ReferenceError
      ? 'a Go version starting with "v" must be followed by a semantic version'
      : (err as Error).message.replace(/^Invalid purl: /, '');
    const what = `${namespace ? `${namespace}/` : ''}${name}${version ? `@${version}` : ''}`;
    throw new VigilError('VIGIL_INVALID_INPUT', `cannot make a ${type} package URL for ${JSON.stringify(what)}: ${rule}`, { input: what, rule: 'purl', cause: err });
  }
}

/**
 * The same text as one flat string. packageurl-js joins a purl from its encoded parts, which V8
 * keeps as a tree of those parts (~200 bytes for a 40-character purl, against ~56 flat): an
 * inventory keeps one purl per package (200k of them for a big lockfile). A purl is ASCII (its parts
 * are percent-encoded), so the UTF-8 round trip gives the same characters.
 */
function flat(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

/** The purl type for an OSV ecosystem ("Debian:11" → "deb"), or undefined. */
export function purlType(ecosystem: string): string | undefined {
  const i = ecosystem.indexOf(':');
  return PURL_TYPE[i < 0 ? ecosystem : ecosystem.slice(0, i)];
}

/** Parses a purl string; undefined when invalid. */
export function parsePurl(purl: string): PackageURL | undefined {
  try {
    return purlClass().fromString(purl);
  } catch {
    return undefined;
  }
}
