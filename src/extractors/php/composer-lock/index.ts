/** php/composer-lock: packages pinned by composer.lock; `packages-dev` are marked dev. */
import { makePurl, type Package } from '../../../model/index.ts';
import type { ExtractContext, Extractor, ScanFile } from '../../types.ts';
import { named } from '../../file-names.ts';
// the parsers (and zod, which checks entries) load with the first composer file, not with every scan
import type { ComposerParse } from './parse.ts';
import { entry, fileSink } from '../../entries.ts';

export type { ComposerPackage, ComposerParse } from './parse.ts';

const NAME = 'php/composer-lock';

/**
 * A Composer package as a Package: ecosystem Packagist, purl pkg:composer/vendor/name@version.
 * A leading "v" before a digit is dropped (Composer normalises "v1.2.3" to 1.2.3, and OSV's
 * Packagist ranges are written without it).
 */
export function composerPackage(name: string, version: string, dev: boolean, location: string, foundBy: string): Package {
  const v = /^v\d/.test(version) ? version.slice(1) : version;
  const [vendor, pkg] = name.split('/');
  const p: Package = { ecosystem: 'Packagist', name, version: v, purl: makePurl('composer', vendor, pkg, v), locations: [location], foundBy };
  if (dev) p.dev = true;
  return p;
}

/** Shared by both PHP extractors: parse, record problems, build packages. */
export async function extractComposer(file: ScanFile, ctx: ExtractContext, which: 'parseComposerLock' | 'parseInstalledJson', foundBy: string): Promise<Package[]> {
  const path = file.info.path;
  const parse: (t: string) => ComposerParse = (await import('./parse.ts'))[which];
  let r: ComposerParse;
  try {
    r = parse((await file.read()).toString('utf8'));
  } catch (e) {
    ctx.fileErrors.push({ path, rule: 'parse-error', message: `${path}: not JSON: ${(e as Error).message}` });
    return [];
  }
  for (const p of r.problems) ctx.fileErrors.push({ path, rule: 'composer-package', message: `${path}: ${p}` });
  return r.packages.flatMap((p) => entry(fileSink(ctx, path), `${path}: ${p.name}@${p.version}`, () => composerPackage(p.name, p.version, p.dev, path, foundBy)) ?? []);
}

export const composerLockExtractor: Extractor = {
  name: NAME,
  version: 1,
  fileRequired: named({ names: ['composer.lock'] }, (path, info) => info.kind === 'file' && (path === 'composer.lock' || path.endsWith('/composer.lock')) && info.size < 64 * 1024 * 1024),
  extract: (file, ctx) => extractComposer(file, ctx, 'parseComposerLock', NAME),
};
