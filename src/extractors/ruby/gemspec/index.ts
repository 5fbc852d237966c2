/**
 * ruby/gemspec: installed gems, one per `specifications/*.gemspec` (GEM_HOME/specifications,
 * /var/lib/gems/<ver>/specifications, /usr/share/rubygems-integration/<ver>/specifications,
 * vendor/bundle/ruby/<ver>/specifications, default gems under specifications/default/).
 */
import type { Package } from '../../../model/index.ts';
import type { ExtractContext, Extractor, ScanFile } from '../../types.ts';
import { named } from '../../file-names.ts';
import { gemPackage } from '../gemfile-lock/index.ts';
import { parseGemspec } from './parse.ts';
import { entry, fileSink } from '../../entries.ts';

export { parseGemspec } from './parse.ts';

const NAME = 'ruby/gemspec';

export const gemspecExtractor: Extractor = {
  name: NAME,
  version: 1,
  // the path first: a directory walk reads the size with a stat only when asked (sources/dir)
  fileRequired: named({ extensions: ['gemspec'] }, (path, info) => info.kind === 'file' && /(^|\/)specifications\/(default\/)?[^/]+\.gemspec$/.test(path) && info.size < 4 * 1024 * 1024),
  async extract(file: ScanFile, ctx: ExtractContext): Promise<Package[]> {
    const path = file.info.path;
    const r = parseGemspec((await file.read()).toString('utf8'));
    if ('problem' in r) {
      ctx.fileErrors.push({ path, rule: 'gemspec', message: `${path}: ${r.problem}` });
      return [];
    }
    const p = entry(fileSink(ctx, path), `${path}: ${r.name} (${r.version})`, () => gemPackage(r.name, r.version, path, NAME));
    return p ? [p] : [];
  },
};
