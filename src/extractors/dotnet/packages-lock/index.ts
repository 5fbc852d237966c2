/**
 * dotnet/packages-lock: NuGet packages from packages.lock.json
 * (https://learn.microsoft.com/nuget/consume-packages/package-references-in-project-files#locking-dependencies).
 * `dependencies` maps each target framework to packages typed Direct, Transitive,
 * CentralTransitive or Project; Project entries are other projects of the solution and skipped.
 * A package resolved to the same version under several frameworks is listed once.
 */
import { makePurl, type Package } from '../../../model/index.ts';
import type { ExtractContext, Extractor, ScanFile } from '../../types.ts';
import { named } from '../../file-names.ts';
import { entry, fileSink } from '../../entries.ts';

const NAME = 'dotnet/packages-lock';

/** A NuGet package as a Package (purl pkg:nuget/Name@version). */
export function nugetPackage(name: string, version: string, location: string, foundBy: string): Package {
  return { ecosystem: 'NuGet', name, version, purl: makePurl('nuget', undefined, name, version), locations: [location], foundBy };
}

/** Pure: JSON text in. @throws SyntaxError when not JSON */
export function parsePackagesLock(text: string): { packages: { name: string; version: string; type: string; framework: string }[]; problems: string[] } {
  const j = JSON.parse(text) as { dependencies?: unknown };
  const packages: { name: string; version: string; type: string; framework: string }[] = [];
  const problems: string[] = [];
  const deps = j?.dependencies;
  if (typeof deps !== 'object' || deps === null || Array.isArray(deps)) return { packages, problems: ['no "dependencies" object'] };
  for (const [framework, pkgs] of Object.entries(deps)) {
    if (typeof pkgs !== 'object' || pkgs === null || Array.isArray(pkgs)) { problems.push(`dependencies["${framework}"] is not an object`); continue; }
    for (const [name, e] of Object.entries(pkgs as Record<string, { type?: unknown; resolved?: unknown }>)) {
      const type = typeof e?.type === 'string' ? e.type : '';
      if (type === 'Project') continue;
      if (typeof e?.resolved !== 'string' || !e.resolved) { problems.push(`${framework}/${name}: no "resolved" version`); continue; }
      packages.push({ name, version: e.resolved, type, framework });
    }
  }
  return { packages, problems };
}

export const packagesLockExtractor: Extractor = {
  name: NAME,
  version: 1,
  fileRequired: named({ extensions: ['json'] }, (path, info) => info.kind === 'file' && /(^|\/)packages(\.[^/]+)?\.lock\.json$/.test(path) && info.size < 64 * 1024 * 1024),
  async extract(file: ScanFile, ctx: ExtractContext): Promise<Package[]> {
    const path = file.info.path;
    let r;
    try {
      r = parsePackagesLock((await file.read()).toString('utf8'));
    } catch (e) {
      ctx.fileErrors.push({ path, rule: 'parse-error', message: `${path}: not JSON: ${(e as Error).message}` });
      return [];
    }
    for (const p of r.problems) ctx.fileErrors.push({ path, rule: 'nuget-lock-entry', message: `${path}: ${p}` });
    const seen = new Set<string>();
    const out: Package[] = [];
    for (const p of r.packages) {
      const key = `${p.name.toLowerCase()}@${p.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const pkg = entry(fileSink(ctx, path), `${path}: ${p.name}@${p.version}`, () => nugetPackage(p.name, p.version, path, NAME));
      if (pkg) out.push(pkg);
    }
    return out;
  },
};
