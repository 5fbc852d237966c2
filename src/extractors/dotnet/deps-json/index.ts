/**
 * dotnet/deps-json: NuGet packages a built .NET app loads, from `<app>.deps.json`
 * (https://github.com/dotnet/sdk/blob/main/documentation/specs/runtime-configuration-file.md).
 * `libraries` keys are "Name/Version"; only `type: "package"` entries are NuGet packages
 * ("project" and "reference" are the app's own assemblies).
 */
import type { Package } from '../../../model/index.ts';
import type { ExtractContext, Extractor, ScanFile } from '../../types.ts';
import { named } from '../../file-names.ts';
import { nugetPackage } from '../packages-lock/index.ts';
import { entry, fileSink } from '../../entries.ts';

const NAME = 'dotnet/deps-json';

/** Pure: JSON text in. @throws SyntaxError when not JSON */
export function parseDepsJson(text: string): { packages: { name: string; version: string }[]; problems: string[] } {
  const j = JSON.parse(text) as { libraries?: unknown };
  const libs = j?.libraries;
  if (typeof libs !== 'object' || libs === null || Array.isArray(libs)) return { packages: [], problems: ['no "libraries" object'] };
  const packages: { name: string; version: string }[] = [];
  const problems: string[] = [];
  for (const [key, lib] of Object.entries(libs as Record<string, { type?: unknown }>)) {
    if (lib?.type !== 'package') continue;
    const slash = key.indexOf('/');
    if (slash <= 0 || slash === key.length - 1) { problems.push(`library key ${JSON.stringify(key)} is not "Name/Version"`); continue; }
    packages.push({ name: key.slice(0, slash), version: key.slice(slash + 1) });
  }
  return { packages, problems };
}

export const depsJsonExtractor: Extractor = {
  name: NAME,
  version: 1,
  fileRequired: named({ extensions: ['json'] }, (path, info) => info.kind === 'file' && path.endsWith('.deps.json') && info.size < 64 * 1024 * 1024),
  async extract(file: ScanFile, ctx: ExtractContext): Promise<Package[]> {
    const path = file.info.path;
    let r;
    try {
      r = parseDepsJson((await file.read()).toString('utf8'));
    } catch (e) {
      ctx.fileErrors.push({ path, rule: 'parse-error', message: `${path}: not JSON: ${(e as Error).message}` });
      return [];
    }
    for (const p of r.problems) ctx.fileErrors.push({ path, rule: 'deps-json-library', message: `${path}: ${p}` });
    return r.packages.flatMap((p) => entry(fileSink(ctx, path), `${path}: ${p.name}/${p.version}`, () => nugetPackage(p.name, p.version, path, NAME)) ?? []);
  },
};
