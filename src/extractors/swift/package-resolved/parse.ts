/**
 * Package.resolved parser (SwiftPM's pin file, JSON). Versions:
 * - 1: `{"object": {"pins": [{"package", "repositoryURL", "state": {"branch", "revision", "version"}}]}, "version": 1}`
 * - 2 and 3: `{"pins": [{"identity", "kind", "location", "state": {"revision", "version" | "branch"}}], "version": 2|3}`
 *   (3 adds `originHash`); kind is remoteSourceControl, localSourceControl, fileSystem or registry.
 * Source: swiftlang/swift-package-manager, Sources/PackageGraph/PinsStore and its
 * ResolvedPackagesStore storage (V1…V3). Pure: text in, entries out.
 */
import { trimSlashes } from '../../../model/index.ts';
import { isObj, parseError, parseJsonLock, type EntryProblem, type LockEntry, type LockParse } from '../../lockfile.ts';

/**
 * The SwiftURL name of a repository URL, as OSV writes it ("github.com/apple/swift-nio"): no
 * scheme, no user, no ".git", no trailing slash; scp-style "git@host:path" becomes "host/path".
 * Undefined when the URL has no host and path.
 */
export function swiftUrlName(url: string): string | undefined {
  if (url.length > 2048) return undefined; // (bounds the regexes below)
  let u = url.trim();
  const scp = /^[A-Za-z0-9._-]+@([A-Za-z0-9.-]+):(?!\/\/)(.+)$/.exec(u);
  if (scp) u = `${scp[1]}/${scp[2]}`;
  else {
    u = u.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\//, '');
    u = u.replace(/^[^/@]*@/, '');
  }
  u = trimSlashes(u).replace(/\.git$/i, '').replace(/:\d+(?=\/)/, '');
  return /^[A-Za-z0-9.-]+\.[A-Za-z]{2,}(\/[^/\s]+)+$/.test(u) ? u : undefined;
}

/** @throws VigilError rule "parse-error" when the text is not a Package.resolved */
export function parsePackageResolved(text: string, path: string): LockParse {
  const doc = parseJsonLock(text, path, 'Package.resolved');
  if (!isObj(doc) || typeof doc.version !== 'number') throw parseError(path, 'not a Package.resolved: no numeric "version"');
  const v = doc.version;
  const pins = v === 1 ? (isObj(doc.object) ? doc.object.pins : undefined) : doc.pins;
  if (v < 1 || v > 3) throw parseError(path, `Package.resolved version ${v} is not supported (1, 2 and 3 are)`);
  if (!Array.isArray(pins)) throw parseError(path, `not a Package.resolved: no ${v === 1 ? '"object.pins"' : '"pins"'} list`);
  const entries: LockEntry[] = [];
  const problems: EntryProblem[] = [];
  pins.forEach((p, i) => {
    const bad = (why: string) => problems.push({ rule: 'swift-pin', message: `${path}: pins[${i}]: ${why}; pin skipped` });
    if (!isObj(p)) return bad('not an object');
    const loc = v === 1 ? p.repositoryURL : p.location;
    const kind = v === 1 ? 'remoteSourceControl' : p.kind;
    const state = isObj(p.state) ? p.state : {};
    const version = typeof state.version === 'string' && state.version ? state.version : undefined;
    const revision = typeof state.revision === 'string' && state.revision ? state.revision : undefined;
    if (kind === 'registry') {
      // a package registry identity ("scope.name"), not a repository URL: not a SwiftURL package
      const id = typeof p.identity === 'string' && p.identity ? p.identity : typeof loc === 'string' ? loc : '';
      if (!id) return bad('a registry pin without "identity"');
      if (!version) return bad(`${id}: a registry pin without state.version`);
      entries.push({ name: id, version, source: { kind: 'url', where: `swift-registry:${id}` } });
      return;
    }
    if (typeof loc !== 'string' || !loc) return bad(`no ${v === 1 ? '"repositoryURL"' : '"location"'}`);
    if (!version && !revision) return bad(`${loc}: neither state.version nor state.revision`);
    if (kind === 'localSourceControl' || kind === 'fileSystem') {
      entries.push({ name: loc, version: version ?? revision!, source: { kind: 'path', where: loc } });
      return;
    }
    if (kind !== 'remoteSourceControl') return bad(`unknown kind ${JSON.stringify(kind)}`);
    const name = swiftUrlName(loc);
    if (!name) return bad(`${JSON.stringify(loc)} is not a repository URL`);
    // a branch pin has no version: the revision is what is pinned
    entries.push({ name, version: version ?? revision! });
  });
  return { entries, problems };
}
