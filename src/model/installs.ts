/**
 * Project roots of package locations (issue 20): which files belong to one install. The rule and its
 * reasons are in src/inventory/README.md ("Same install"); src/inventory/installs.ts merges by it, and
 * reports use it to name a package's manifest.
 */

/** Where a location's install lives: the project root, and whether the file is an installed copy (not a manifest or lockfile). */
export interface InstallRoot {
  root: string;
  installed: boolean;
}

/**
 * Installed trees, each with the part of the path that is its project root (group 1). Order
 * matters: the first that matches decides (a site-packages inside node_modules is node's).
 */
const INSTALLED: RegExp[] = [
  // npm, yarn, pnpm: <project>/node_modules/… at any depth (nested copies are the project's too)
  /^(.*?)\/?(?<![^/])node_modules\//,
  // Python: <prefix>/lib/python3.x/site-packages/…, <prefix>/Lib/site-packages/… (Windows venvs), dist-packages
  /^(.*?)\/?(?<![^/])(?:lib(?:64)?\/python[^/]*|Lib)\/(?:site|dist)-packages\//,
  // Composer: <project>/vendor/composer/installed.json
  /^(.*?)\/?(?<![^/])vendor\/composer\/installed\.json$/,
  // Bundler: <project>/vendor/bundle/ruby/<abi>/specifications/x.gemspec; RubyGems: <prefix>/lib/ruby/gems/<abi>/specifications/
  /^(.*?)\/?(?<![^/])vendor\/bundle\/ruby\/[^/]+\/specifications\//,
  /^(.*?)\/?(?<![^/])lib\/ruby\/gems\/[^/]+\/specifications\//,
];

/** The project root of a location (see {@link INSTALLED}); a manifest's is its directory. */
export function installRootOf(location: string): InstallRoot {
  const path = location.replace(/^\/+/, '');
  for (const re of INSTALLED) {
    const m = re.exec(path);
    if (m) return { root: m[1], installed: true };
  }
  const slash = path.lastIndexOf('/');
  return { root: slash < 0 ? '' : path.slice(0, slash), installed: false };
}

/** The location a report names a package by: its first manifest or lockfile, else its first location. */
export function manifestOf(locations: readonly string[] | undefined): string | undefined {
  return locations?.find((l) => !installRootOf(l).installed) ?? locations?.[0];
}
