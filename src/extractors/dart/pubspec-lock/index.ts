/**
 * dart/pubspec-lock: Dart and Flutter packages from pubspec.lock. Ecosystem Pub, purl
 * pkg:pub/name@version. Hosted packages are matchable; git, path and sdk packages are listed
 * with a purl qualifier saying where they came from and are not matched (src/extractors/lockfile.ts).
 */
import { makePurl, type Package } from '../../../model/index.ts';
import type { Extractor } from '../../types.ts';
import { named } from '../../file-names.ts';
import { extractLock, sourceQualifiers, type LockEntry } from '../../lockfile.ts';
// the parser (and the yaml package) is loaded by the first pubspec.lock, not by every scan

const NAME = 'dart/pubspec-lock';

/** A Pub package as a Package (purl names are lowercase in the pub type). */
export function pubPackage(e: LockEntry, location: string, foundBy: string): Package {
  const p: Package = { ecosystem: 'Pub', name: e.name, version: e.version, purl: makePurl('pub', undefined, e.name.toLowerCase(), e.version, sourceQualifiers(e.source)), locations: [location], foundBy };
  if (e.dev) p.dev = true;
  return p;
}

export const pubspecLockExtractor: Extractor = {
  name: NAME,
  version: 1,
  fileRequired: named({ names: ['pubspec.lock'] }, (path, info) => info.kind === 'file' && (path === 'pubspec.lock' || path.endsWith('/pubspec.lock')) && info.size < 32 * 1024 * 1024),
  extract: async (file, ctx) => extractLock(file, ctx, (await import('./parse.ts')).parsePubspecLock, (e, path) => pubPackage(e, path, NAME)),
};
