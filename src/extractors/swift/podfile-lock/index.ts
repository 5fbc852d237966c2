/**
 * swift/podfile-lock: CocoaPods pods from Podfile.lock. OSV defines no CocoaPods ecosystem, so the
 * pods are listed (ecosystem "CocoaPods", purl pkg:cocoapods/Name@version) and matching skips
 * them with that reason.
 */
import { makePurl, type Package } from '../../../model/index.ts';
import type { Extractor } from '../../types.ts';
import { named } from '../../file-names.ts';
import { extractLock, sourceQualifiers, type LockEntry } from '../../lockfile.ts';
// the parser (and the yaml package) is loaded by the first Podfile.lock, not by every scan

const NAME = 'swift/podfile-lock';

export function podPackage(e: LockEntry, location: string, foundBy: string): Package {
  return { ecosystem: 'CocoaPods', name: e.name, version: e.version, purl: makePurl('cocoapods', undefined, e.name, e.version, sourceQualifiers(e.source)), locations: [location], foundBy };
}

export const podfileLockExtractor: Extractor = {
  name: NAME,
  version: 1,
  fileRequired: named({ names: ['Podfile.lock'] }, (path, info) => info.kind === 'file' && (path === 'Podfile.lock' || path.endsWith('/Podfile.lock')) && info.size < 32 * 1024 * 1024),
  extract: async (file, ctx) => extractLock(file, ctx, (await import('./parse.ts')).parsePodfileLock, (e, path) => podPackage(e, path, NAME)),
};
