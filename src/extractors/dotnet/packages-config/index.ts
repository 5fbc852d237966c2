/**
 * dotnet/packages-config: NuGet packages from packages.config (the pre-PackageReference format;
 * https://learn.microsoft.com/nuget/reference/packages-config). Each `<package id version>` is an
 * installed package (exact version); developmentDependency="true" → dev. `allowedVersions` is the
 * range updates may pick, not what is installed, and is not read.
 */
import type { Package } from '../../../model/index.ts';
import type { ExtractContext, Extractor, ScanFile } from '../../types.ts';
import { named } from '../../file-names.ts';
import { entry, fileSink } from '../../entries.ts';
import { nugetPackage } from '../packages-lock/index.ts';
import { attrOrChild, children, parseXml, pinnedVersion, root } from '../msbuild.ts';

const NAME = 'dotnet/packages-config';

export interface ConfigPackage { id: string; version: string; dev: boolean }

/** Pure. @throws Error (rejects) when not well-formed XML or no <packages> root */
export async function parsePackagesConfig(text: string, path: string): Promise<{ packages: ConfigPackage[]; problems: { rule: string; message: string }[] }> {
  const pk = root(await parseXml(text), 'packages');
  if (!pk) throw new Error('no <packages> root element');
  const packages: ConfigPackage[] = [];
  const problems: { rule: string; message: string }[] = [];
  children(pk, 'package').forEach((p, i) => {
    const id = attrOrChild(p, 'id');
    const ver = attrOrChild(p, 'version');
    if (!id) { problems.push({ rule: 'nuget-entry', message: `${path}: <package> #${i + 1}: no id; entry skipped` }); return; }
    const pin = pinnedVersion(ver ?? '');
    if ('why' in pin) { problems.push({ rule: 'nuget-unresolved', message: `${path}: ${id}: version unresolved (${pin.why}); not listed` }); return; }
    packages.push({ id, version: pin.version, dev: /^true$/i.test(attrOrChild(p, 'developmentDependency') ?? '') });
  });
  return { packages, problems };
}

export const packagesConfigExtractor: Extractor = {
  name: NAME,
  version: 1,
  fileRequired: named({ extensions: ['config'] }, (path, info) => info.kind === 'file' && /(^|\/)packages\.config$/i.test(path) && info.size < 16 * 1024 * 1024),
  async extract(file: ScanFile, ctx: ExtractContext): Promise<Package[]> {
    const path = file.info.path;
    let r;
    try {
      r = await parsePackagesConfig((await file.read()).toString('utf8'), path);
    } catch (e) {
      ctx.fileErrors.push({ path, rule: 'parse-error', message: `${path}: not a packages.config: ${(e as Error).message}` });
      return [];
    }
    const sink = fileSink(ctx, path);
    for (const p of r.problems) sink.push(p);
    const seen = new Set<string>();
    return r.packages.flatMap((p) => {
      const key = `${p.id.toLowerCase()}@${p.version}`;
      if (seen.has(key)) return [];
      seen.add(key);
      const pkg = entry(sink, `${path}: ${p.id}@${p.version}`, () => nugetPackage(p.id, p.version, path, NAME));
      if (pkg && p.dev) pkg.dev = true;
      return pkg ? [pkg] : [];
    });
  },
};
