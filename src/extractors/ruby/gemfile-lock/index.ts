/**
 * ruby/gemfile-lock: the gems a Gemfile.lock pins, from GEM, GIT and PATH sections. Platform
 * variants of one version (nokogiri 1.13.10-x86_64-linux and -arm64-darwin) are one package.
 */
import { makePurl, type Package } from '../../../model/index.ts';
import type { ExtractContext, Extractor, ScanFile } from '../../types.ts';
import { named } from '../../file-names.ts';
import { parseGemfileLock } from './parse.ts';
import { entry, fileSink } from '../../entries.ts';

export { parseGemfileLock, type GemSpec } from './parse.ts';

const NAME = 'ruby/gemfile-lock';

/** A gem as a Package (ecosystem RubyGems, purl pkg:gem/name@version). */
export function gemPackage(name: string, version: string, location: string, foundBy: string): Package {
  return { ecosystem: 'RubyGems', name, version, purl: makePurl('gem', undefined, name, version), locations: [location], foundBy };
}

export const gemfileLockExtractor: Extractor = {
  name: NAME,
  version: 1,
  fileRequired: named({ names: ['Gemfile.lock', 'gems.locked'] }, (path, info) => {
    const base = path.slice(path.lastIndexOf('/') + 1);
    return info.kind === 'file' && (base === 'Gemfile.lock' || base === 'gems.locked') && info.size < 32 * 1024 * 1024;
  }),
  async extract(file: ScanFile, ctx: ExtractContext): Promise<Package[]> {
    const path = file.info.path;
    const { specs, problems } = parseGemfileLock((await file.read()).toString('utf8'));
    for (const p of problems) ctx.fileErrors.push({ path, rule: 'gemfile-lock-spec', message: `${path}:${p.line}: ${p.message}` });
    const seen = new Set<string>();
    const out: Package[] = [];
    for (const s of specs) {
      const key = `${s.name}@${s.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const p = entry(fileSink(ctx, path), `${path}: ${s.name} (${s.version})`, () => gemPackage(s.name, s.version, path, NAME));
      if (p) out.push(p);
    }
    return out;
  },
};
