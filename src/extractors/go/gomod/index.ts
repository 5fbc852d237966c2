/**
 * go/gomod: the modules a go.mod requires, replace directives applied. go.sum is not read (see
 * README: it lists checksums for every version the module graph ever considered, not the build list).
 */
import type { Package } from '../../../model/index.ts';
import type { ExtractContext, Extractor, ScanFile } from '../../types.ts';
import { named } from '../../file-names.ts';
import { goPackage } from '../binary/index.ts';
import { parseGoMod, resolveGoMod } from './parse.ts';
import { entry, fileSink } from '../../entries.ts';

export { parseGoMod, resolveGoMod, isLocalReplacement, type GoModFile, type GoModRequire, type GoModReplace } from './parse.ts';

const NAME = 'go/gomod';

export const goModExtractor: Extractor = {
  name: NAME,
  version: 1,
  fileRequired: named({ names: ['go.mod'] }, (path, info) => info.kind === 'file' && (path === 'go.mod' || path.endsWith('/go.mod')) && info.size < 16 * 1024 * 1024),
  async extract(file: ScanFile, ctx: ExtractContext): Promise<Package[]> {
    const path = file.info.path;
    const text = (await file.read()).toString('utf8');
    const { file: mod, problems } = parseGoMod(text);
    for (const p of problems) ctx.fileErrors.push({ path, rule: 'go-mod-syntax', message: `${path}:${p.line}: ${p.message}` });
    const { modules } = resolveGoMod(mod);
    const seen = new Set<string>();
    const out: Package[] = [];
    for (const m of modules) {
      const key = `${m.path}@${m.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const p = entry(fileSink(ctx, path), `${path}: ${m.path} ${m.version}`, () => goPackage(m.path, m.version, path, NAME));
      if (p) out.push(p);
    }
    return out;
  },
};
