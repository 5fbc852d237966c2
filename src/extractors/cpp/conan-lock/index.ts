/**
 * cpp/conan-lock: Conan packages from conan.lock (Conan 1 graph locks 0.2–0.4, Conan 2 locks 0.5).
 * Ecosystem ConanCenter (OSV), purl pkg:conan/name@version; build/python requires are dev.
 * A recipe with user/channel is not a ConanCenter package: listed, not matched.
 */
import { makePurl, type Package } from '../../../model/index.ts';
import type { Extractor } from '../../types.ts';
import { named } from '../../file-names.ts';
import { extractLock, sourceQualifiers, type LockEntry } from '../../lockfile.ts';
import { parseConanLock } from './parse.ts';

export { parseConanLock, parseConanRef } from './parse.ts';

const NAME = 'cpp/conan-lock';

export function conanPackage(e: LockEntry, location: string, foundBy: string): Package {
  const p: Package = { ecosystem: 'ConanCenter', name: e.name, version: e.version, purl: makePurl('conan', undefined, e.name, e.version, sourceQualifiers(e.source)), locations: [location], foundBy };
  if (e.dev) p.dev = true;
  return p;
}

export const conanLockExtractor: Extractor = {
  name: NAME,
  version: 1,
  fileRequired: named({ names: ['conan.lock'] }, (path, info) => info.kind === 'file' && (path === 'conan.lock' || path.endsWith('/conan.lock')) && info.size < 32 * 1024 * 1024),
  extract: (file, ctx) => extractLock(file, ctx, parseConanLock, (e, path) => conanPackage(e, path, NAME)),
};
