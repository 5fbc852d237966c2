/**
 * elixir/mix-lock: Hex packages from mix.lock. Ecosystem Hex, purl pkg:hex/name@version (a
 * private organisation's package: `download_url=hex:hexpm:org`, not matched); git dependencies are
 * listed with their commit as version and a vcs_url, not matched.
 */
import { makePurl, type Package } from '../../../model/index.ts';
import type { Extractor } from '../../types.ts';
import { named } from '../../file-names.ts';
import { extractLock, sourceQualifiers, type LockEntry } from '../../lockfile.ts';
import { parseMixLock } from './parse.ts';

export { parseMixLock } from './parse.ts';
export { parseTerm, type Term } from './term.ts';

const NAME = 'elixir/mix-lock';

export function hexPackage(e: LockEntry, location: string, foundBy: string): Package {
  return { ecosystem: 'Hex', name: e.name, version: e.version, purl: makePurl('hex', undefined, e.name, e.version, sourceQualifiers(e.source)), locations: [location], foundBy };
}

export const mixLockExtractor: Extractor = {
  name: NAME,
  version: 1,
  fileRequired: named({ names: ['mix.lock'] }, (path, info) => info.kind === 'file' && (path === 'mix.lock' || path.endsWith('/mix.lock')) && info.size < 32 * 1024 * 1024),
  extract: (file, ctx) => extractLock(file, ctx, parseMixLock, (e, path) => hexPackage(e, path, NAME)),
};
