/**
 * Package-name normalization per ecosystem, so that an advisory's name and an inventory's name
 * compare equal exactly when the ecosystem's own tooling treats them as the same package.
 */

/** "Debian:11" → "Debian"; "Alpine:v3.18" → "Alpine"; "npm" → "npm". */
export function ecosystemBase(ecosystem: string): string {
  const i = ecosystem.indexOf(':');
  return i < 0 ? ecosystem : ecosystem.slice(0, i);
}

/** "Debian:11" → "11"; "npm" → undefined. */
export function ecosystemRelease(ecosystem: string): string | undefined {
  const i = ecosystem.indexOf(':');
  return i < 0 ? undefined : ecosystem.slice(i + 1);
}

/**
 * The key a package name is indexed and matched by.
 * - PyPI: PEP 503 (https://peps.python.org/pep-0503/#normalized-names): lowercase, runs of -_. become -.
 * - npm, Packagist, NuGet, RubyGems?: npm names are lowercase by rule; Packagist and NuGet compare
 *   case-insensitively; RubyGems and crates.io names are case-sensitive on their registries.
 * - Maven: "group:artifact", case-sensitive. Go: module paths are case-sensitive.
 * - SwiftURL: the repository URL without scheme ("github.com/apple/swift-nio"); hosts and the
 *   forges' repository paths compare case-insensitively and "….git" names the same repository,
 *   so lowercase, scheme and a trailing ".git" or "/" dropped.
 */
export function normalizePackageName(ecosystem: string, name: string): string {
  const base = ecosystemBase(ecosystem);
  const n = name.trim();
  switch (base) {
    case 'PyPI':
      return n.toLowerCase().replace(/[-_.]+/g, '-');
    case 'npm':
    case 'Packagist':
    case 'NuGet':
      return n.toLowerCase();
    case 'SwiftURL':
      return trimSlashes(n.toLowerCase().replace(/^[a-z][a-z0-9+.-]*:\/\//, '')).replace(/\.git$/, '');
    default:
      return n;
  }
}

/** Trailing "/" removed (a loop, not /\/+$/, which backtracks quadratically on long runs). */
export function trimSlashes(s: string): string {
  let e = s.length;
  while (e > 0 && s.charCodeAt(e - 1) === 47) e--;
  return s.slice(0, e);
}
