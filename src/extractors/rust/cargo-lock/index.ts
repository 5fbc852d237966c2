/**
 * rust/cargo-lock: the crates a Cargo.lock pins. Workspace members and path dependencies (no
 * `source`) are the project's own code and are skipped; registry and git crates are reported.
 */
import { makePurl, type Package } from '../../../model/index.ts';
import type { ExtractContext, Extractor, ScanFile } from '../../types.ts';
import { named } from '../../file-names.ts';
// the parser (and smol-toml, zod) is loaded by the first Cargo.lock, not by every scan
import { entry, fileSink } from '../../entries.ts';

export type { CargoLockPackage } from './parse.ts';

const NAME = 'rust/cargo-lock';

/** A crate as a Package (ecosystem crates.io, purl pkg:cargo/name@version). */
export function cratePackage(name: string, version: string, location: string, foundBy: string): Package {
  return { ecosystem: 'crates.io', name, version, purl: makePurl('cargo', undefined, name, version), locations: [location], foundBy };
}

export const cargoLockExtractor: Extractor = {
  name: NAME,
  version: 1,
  fileRequired: named({ names: ['Cargo.lock'] }, (path, info) => info.kind === 'file' && (path === 'Cargo.lock' || path.endsWith('/Cargo.lock')) && info.size < 64 * 1024 * 1024),
  async extract(file: ScanFile, ctx: ExtractContext): Promise<Package[]> {
    const path = file.info.path;
    const { parseCargoLock } = await import('./parse.ts');
    let parsed;
    try {
      parsed = parseCargoLock((await file.read()).toString('utf8'));
    } catch (e) {
      ctx.fileErrors.push({ path, rule: 'parse-error', message: `${path}: not a Cargo.lock: ${(e as Error).message.split('\n')[0]}` });
      return [];
    }
    for (const p of parsed.problems) ctx.fileErrors.push({ path, rule: 'cargo-lock-package', message: `${path}: ${p}` });
    return parsed.packages.filter((p) => p.source !== undefined).flatMap((p) => entry(fileSink(ctx, path), `${path}: ${p.name}@${p.version}`, () => cratePackage(p.name, p.version, path, NAME)) ?? []);
  },
};
