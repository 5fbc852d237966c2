/**
 * java/pom: declared dependencies of a pom.xml, with `${…}` properties interpolated and versions
 * taken from dependencyManagement, both inherited from *local* parents (relativePath, default
 * ../pom.xml, read through ctx.readFile). Scope test → dev. A dependency whose version cannot be
 * resolved from local files is reported (rule "pom-unresolved") and skipped.
 */
import { posix } from 'node:path';
import type { Package } from '../../../model/index.ts';
import type { ExtractContext, Extractor, ScanFile } from '../../types.ts';
import { named } from '../../file-names.ts';
import { mavenPackage } from './maven.ts';
// the parser (and fast-xml-parser) is loaded by the first pom.xml, not by every scan
import type { Pom, PomDependency } from './parse.ts';
import { entry, fileSink } from '../../entries.ts';

export type { Pom, PomDependency } from './parse.ts';
export { mavenPackage } from './maven.ts';

const NAME = 'java/pom';
const MAX_PARENTS = 8;

/** The chain [pom, parent, grandparent…] of local parents that match their <parent> declaration. */
async function loadChain(pom: Pom, path: string, ctx: ExtractContext, problems: string[], parsePom: (xml: string) => Pom): Promise<Pom[]> {
  const chain = [pom];
  let cur = pom;
  let curPath = path;
  while (cur.parent && chain.length <= MAX_PARENTS) {
    const rel = cur.parent.relativePath ?? '../pom.xml';
    if (rel === '') break; // explicitly no local parent
    let pPath = posix.normalize(posix.join(posix.dirname(curPath), rel));
    if (!pPath.endsWith('.xml')) pPath = posix.join(pPath, 'pom.xml');
    const want = `${cur.parent.groupId}:${cur.parent.artifactId}`;
    const bytes = pPath.startsWith('../') ? null : await ctx.readFile(pPath);
    if (!bytes) { problems.push(`parent ${want} not found locally at ${pPath}; inherited properties and managed versions are missing`); break; }
    let parent: Pom;
    try { parent = parsePom(bytes.toString('utf8')); } catch (e) { problems.push(`parent ${pPath}: ${(e as Error).message}`); break; }
    const got = `${parent.groupId ?? parent.parent?.groupId}:${parent.artifactId}`;
    if (got !== want) { problems.push(`${pPath} is ${got}, not the declared parent ${want}`); break; }
    chain.push(parent);
    cur = parent;
    curPath = pPath;
  }
  return chain;
}

/** Interpolates ${…} until nothing changes; undefined when a reference stays unresolved. */
function interpolate(v: string | undefined, props: Map<string, string>): string | undefined {
  if (v === undefined) return undefined;
  let s = v;
  for (let i = 0; i < 10 && s.includes('${'); i++) s = s.replace(/\$\{([^}]+)\}/g, (m, k: string) => props.get(k) ?? m);
  return s.includes('${') ? undefined : s;
}

export const pomExtractor: Extractor = {
  name: NAME,
  version: 1,
  fileRequired: named({ names: ['pom.xml'] }, (path, info) => info.kind === 'file' && (path === 'pom.xml' || path.endsWith('/pom.xml')) && info.size < 16 * 1024 * 1024),
  async extract(file: ScanFile, ctx: ExtractContext): Promise<Package[]> {
    const path = file.info.path;
    const { parsePom } = await import('./parse.ts');
    let pom: Pom;
    try { pom = parsePom((await file.read()).toString('utf8')); } catch (e) {
      ctx.fileErrors.push({ path, rule: 'parse-error', message: `${path}: ${(e as Error).message}` });
      return [];
    }
    const problems: string[] = [];
    const chain = await loadChain(pom, path, ctx, problems, parsePom);
    // properties: farthest ancestor first so that nearer POMs override
    const props = new Map<string, string>();
    for (const p of [...chain].reverse()) for (const [k, v] of Object.entries(p.properties)) props.set(k, v);
    const groupId = pom.groupId ?? pom.parent?.groupId;
    const version = pom.version ?? pom.parent?.version;
    const set = (k: string, v: string | undefined): void => { if (v !== undefined) { props.set(`project.${k}`, v); props.set(`pom.${k}`, v); props.set(k, v); } };
    set('groupId', groupId); set('artifactId', pom.artifactId); set('version', version);
    if (pom.parent) { for (const k of ['groupId', 'artifactId', 'version'] as const) { const v = pom.parent[k]; if (v) { props.set(`project.parent.${k}`, v); props.set(`parent.${k}`, v); } } }
    // dependencyManagement: nearest declaration wins
    const managed = new Map<string, PomDependency>();
    for (const p of chain) for (const d of p.dependencyManagement) {
      const key = `${interpolate(d.groupId, props)}:${interpolate(d.artifactId, props)}`;
      if (!managed.has(key)) managed.set(key, d);
    }
    const out: Package[] = [];
    for (const d of pom.dependencies) {
      const g = interpolate(d.groupId, props);
      const a = interpolate(d.artifactId, props);
      if (!g || !a) { problems.push(`dependency ${d.groupId}:${d.artifactId}: unresolved property in its coordinates`); continue; }
      const m = managed.get(`${g}:${a}`);
      const rawVersion = d.version ?? m?.version;
      if (rawVersion === undefined) { problems.push(`dependency ${g}:${a}: no version here or in local dependencyManagement (an imported BOM or remote parent may define it)`); continue; }
      const v = interpolate(rawVersion, props);
      if (!v) { problems.push(`dependency ${g}:${a}: version ${rawVersion} has an unresolved property`); continue; }
      const pkg = entry(fileSink(ctx, path), `${path}: dependency ${g}:${a}:${v}`, () => mavenPackage(g, a, v, path, NAME));
      if (!pkg) continue;
      if ((d.scope ?? m?.scope) === 'test') pkg.dev = true;
      out.push(pkg);
    }
    for (const p of problems) ctx.fileErrors.push({ path, rule: 'pom-unresolved', message: `${path}: ${p}` });
    return out;
  },
};
