/**
 * dotnet/project-file: NuGet `<PackageReference>`s of SDK-style project files (*.csproj, *.fsproj,
 * *.vbproj; https://learn.microsoft.com/nuget/consume-packages/package-references-in-project-files),
 * with central package management (https://learn.microsoft.com/nuget/consume-packages/central-package-management):
 * a reference without a version takes the `<PackageVersion>` of the nearest Directory.Packages.props
 * up the tree (read through ctx.readFile), and `VersionOverride` wins over both. `$(Property)`
 * versions are expanded from the project's own `<PropertyGroup>`s and the nearest
 * Directory.Build.props. Ranges, floating versions and anything unresolved are recorded as file
 * errors (rule "nuget-unresolved") and not listed — never guessed.
 *
 * Directory.Packages.props itself is offered to this extractor too: its `<GlobalPackageReference>`s
 * (applied to every project, usually analyzers) are its packages, and being required keeps it
 * readable for image sources. Directory.Build.props is required for the same reason and yields none.
 */
import { posix } from 'node:path';
import type { Package } from '../../../model/index.ts';
import type { ExtractContext, Extractor, ScanFile } from '../../types.ts';
import { named } from '../../file-names.ts';
import { entry, fileSink } from '../../entries.ts';
import { nugetPackage } from '../packages-lock/index.ts';
import { attrOrChild, children, expand, parseXml, pinnedVersion, properties, root } from '../msbuild.ts';

const NAME = 'dotnet/project-file';
const CENTRAL = 'Directory.Packages.props';
const BUILD_PROPS = 'Directory.Build.props';
const MAX_LEVELS = 32;

export interface Reference { id: string; spec?: string; override?: string; dev: boolean }

interface Xml { project: Record<string, unknown>; props: Map<string, string> }

/** Pure. @throws Error (rejects) when not well-formed XML or no <Project> root */
export async function parseMsbuild(text: string): Promise<Xml> {
  const project = root(await parseXml(text), 'Project');
  if (!project) throw new Error('no <Project> root element');
  return { project, props: properties(project) };
}

/** `<ItemGroup><{item} Include=…>` items of a project (Update/Remove items are not references). */
export function references(project: Record<string, unknown>, item = 'PackageReference'): Reference[] {
  const out: Reference[] = [];
  for (const g of children(project, 'ItemGroup')) {
    for (const r of children(g, item)) {
      const include = attrOrChild(r, 'Include');
      if (!include) continue;
      // Include may list several ids separated by ";"
      for (const id of include.split(';').map((s) => s.trim()).filter(Boolean)) {
        out.push({ id, spec: attrOrChild(r, 'Version'), override: attrOrChild(r, 'VersionOverride'), dev: /^all$/i.test(attrOrChild(r, 'PrivateAssets') ?? '') });
      }
    }
  }
  return out;
}

/** `<PackageVersion Include Version>` of a Directory.Packages.props, by lowercase id. */
export function centralVersions(project: Record<string, unknown>): Map<string, string> {
  const m = new Map<string, string>();
  for (const g of children(project, 'ItemGroup')) {
    for (const v of children(g, 'PackageVersion')) {
      const id = attrOrChild(v, 'Include');
      const ver = attrOrChild(v, 'Version');
      if (id && ver !== undefined) m.set(id.toLowerCase(), ver);
    }
  }
  return m;
}

/** The nearest `name` at or above `path`'s folder, read through ctx.readFile. */
async function nearest(path: string, name: string, ctx: ExtractContext): Promise<{ path: string; text: string } | undefined> {
  let dir = posix.dirname(path);
  for (let i = 0; i < MAX_LEVELS; i++) {
    const cand = dir === '.' ? name : posix.join(dir, name);
    if (cand !== path) {
      const b = await ctx.readFile(cand).catch(() => null);
      if (b) return { path: cand, text: b.toString('utf8') };
    }
    const up = posix.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

// asked of every file of a walk: a suffix test, no basename string per file
const isNamed = (p: string, name: string) => p.endsWith(name) && (p.length === name.length || p[p.length - name.length - 1] === '/');
const isCentral = (p: string) => isNamed(p, CENTRAL);
const isBuildProps = (p: string) => isNamed(p, BUILD_PROPS);

export const projectFileExtractor: Extractor = {
  name: NAME,
  version: 1,
  fileRequired: named({ extensions: ['csproj', 'fsproj', 'vbproj'], names: [CENTRAL, BUILD_PROPS] }, (path, info) => info.kind === 'file' && (/\.(cs|fs|vb)proj$/i.test(path) || isCentral(path) || isBuildProps(path)) && info.size < 16 * 1024 * 1024),
  async extract(file: ScanFile, ctx: ExtractContext): Promise<Package[]> {
    const path = file.info.path;
    if (isBuildProps(path)) return []; // read by the projects below it
    let xml: Xml;
    try {
      xml = await parseMsbuild((await file.read()).toString('utf8'));
    } catch (e) {
      ctx.fileErrors.push({ path, rule: 'parse-error', message: `${path}: not an MSBuild project file: ${(e as Error).message}` });
      return [];
    }
    const sink = fileSink(ctx, path);
    const unresolved = (id: string, why: string) => sink.push({ rule: 'nuget-unresolved', message: `${path}: ${id}: version unresolved (${why}); not listed` });

    // properties visible to the project: Directory.Build.props (imported first), then its own
    let props = xml.props;
    const buildProps = isCentral(path) ? undefined : await nearest(path, BUILD_PROPS, ctx);
    if (buildProps) {
      try {
        props = new Map([...(await parseMsbuild(buildProps.text)).props, ...xml.props]);
      } catch (e) {
        sink.push({ rule: 'nuget-unresolved', message: `${path}: ${buildProps.path} could not be read for properties: ${(e as Error).message}` });
      }
    }

    const refs = isCentral(path) ? references(xml.project, 'GlobalPackageReference').map((r) => ({ ...r, dev: true })) : references(xml.project);
    let central: { path: string; versions: Map<string, string>; props: Map<string, string> } | null | undefined;
    const loadCentral = async () => {
      if (central !== undefined) return central;
      central = null;
      const c = await nearest(path, CENTRAL, ctx);
      if (c) {
        try {
          const x = await parseMsbuild(c.text);
          central = { path: c.path, versions: centralVersions(x.project), props: new Map([...props, ...x.props]) };
        } catch (e) {
          sink.push({ rule: 'nuget-unresolved', message: `${path}: ${c.path} is not readable: ${(e as Error).message}` });
        }
      }
      return central;
    };

    const out: Package[] = [];
    const seen = new Set<string>();
    for (const r of refs) {
      let spec = r.override || r.spec;
      let scope = props;
      let from = 'its Version';
      if (!spec) {
        const c = await loadCentral();
        const v = c?.versions.get(r.id.toLowerCase());
        if (!c) { unresolved(r.id, `no Version, and no ${CENTRAL} above it`); continue; }
        if (v === undefined) { unresolved(r.id, `no Version, and ${c.path} has no <PackageVersion Include="${r.id}">`); continue; }
        spec = v;
        scope = c.props;
        from = c.path;
      }
      const x = expand(spec, scope);
      if (x.unresolved.length) { unresolved(r.id, `${JSON.stringify(spec)} from ${from} uses ${x.unresolved.map((n) => `$(${n})`).join(', ')}, not defined in this file, ${BUILD_PROPS}${from === 'its Version' ? '' : ` or ${from}`}`); continue; }
      const pin = pinnedVersion(x.value);
      if ('why' in pin) { unresolved(r.id, pin.why); continue; }
      const key = `${r.id.toLowerCase()}@${pin.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const pkg = entry(sink, `${path}: ${r.id}@${pin.version}`, () => nugetPackage(r.id, pin.version, path, NAME));
      if (pkg) {
        if (r.dev) pkg.dev = true;
        out.push(pkg);
      }
    }
    return out;
  },
};
