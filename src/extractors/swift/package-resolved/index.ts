/**
 * swift/package-resolved: SwiftPM pins from Package.resolved (versions 1–3). Ecosystem SwiftURL
 * (OSV: the repository URL without scheme is the name), purl pkg:swift/<host>/<path>@version.
 */
import { posix } from 'node:path';
import { makePurl, trimSlashes, type Package } from '../../../model/index.ts';
import type { Extractor } from '../../types.ts';
import { named } from '../../file-names.ts';
import { extractLock, sourceQualifiers, type LockEntry } from '../../lockfile.ts';
import { parsePackageResolved } from './parse.ts';

export { parsePackageResolved, swiftUrlName } from './parse.ts';

const NAME = 'swift/package-resolved';

export function swiftPackage(e: LockEntry, location: string, foundBy: string): Package {
  // purl-spec swift type: namespace = host/owner path, name = repository
  // (swift purls need a namespace: a registry identity "scope.name" gives scope; a local path its folder)
  let ns: string;
  let name: string;
  if (e.source?.kind === 'url') {
    const dot = e.name.indexOf('.');
    [ns, name] = dot > 0 ? [e.name.slice(0, dot), e.name.slice(dot + 1)] : ['registry', e.name];
  } else {
    const trimmed = trimSlashes(e.name) || e.name;
    ns = posix.dirname(trimmed);
    name = posix.basename(trimmed) || trimmed;
  }
  return { ecosystem: 'SwiftURL', name: e.name, version: e.version, purl: makePurl('swift', ns, name, e.version, sourceQualifiers(e.source)), locations: [location], foundBy };
}

export const packageResolvedExtractor: Extractor = {
  name: NAME,
  version: 1,
  fileRequired: named({ names: ['Package.resolved'] }, (path, info) => info.kind === 'file' && (path === 'Package.resolved' || path.endsWith('/Package.resolved')) && info.size < 16 * 1024 * 1024),
  extract: (file, ctx) => extractLock(file, ctx, parsePackageResolved, (e, path) => swiftPackage(e, path, NAME)),
};
