/**
 * One package, many locations (issue 20): packages that several extractors found for the same
 * install — a lockfile and the installed tree beside it, a dist-info and the requirements.txt of
 * the project whose virtualenv holds it — merge into one package carrying every location. The rule
 * (README.md, "Same install"): same ecosystem, name, version and OS owner, and the same project
 * root, where an installed tree's project is the directory that holds it (node_modules, a
 * virtualenv, vendor/) and a declared package's is its manifest's directory.
 */
import { installRootOf, type InstallRoot, type LayerRef, type Package } from '../model/index.ts';

export { installRootOf, type InstallRoot };

/** `dir` is `of` or one of its ancestors ('' is the scan's root, every path's ancestor). */
const within = (of: string, dir: string) => dir === '' || of === dir || of.startsWith(`${dir}/`);

const OS_ECOSYSTEM = /^(Debian|Ubuntu|Alpine|AlmaLinux|Rocky Linux|Red Hat|SUSE|openSUSE|Wolfi|Chainguard|Fedora)(:|$)/;

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Merges the packages of one install (see the module comment). Packages of an OS ecosystem are
 * merged only with themselves, by location (one database lists a package once; the same entry read
 * twice is one package); they never meet a language package (their ecosystems differ anyway).
 * Every merged package has its locations sorted; `foundBy` is the first of its extractors in name
 * order and `extractors` lists them all when there are several.
 */
export function mergeInstalls(packages: readonly Package[]): Package[] {
  const groups = new Map<string, Package[]>();
  for (const p of packages) {
    const k = [p.ecosystem, p.name, p.version, p.ownedBy ?? ''].join('\u0000');
    const g = groups.get(k);
    if (g) g.push(p);
    else groups.set(k, [p]);
  }
  const out: Package[] = [];
  for (const group of groups.values()) {
    if (group.length === 1) {
      out.push(finish([group[0]]));
      continue;
    }
    if (OS_ECOSYSTEM.test(group[0].ecosystem)) {
      for (const same of partition(group, (p) => p.locations?.[0] ?? '')) out.push(finish(same));
      continue;
    }
    for (const same of byInstall(group)) out.push(finish(same));
  }
  return out;
}

function partition(list: readonly Package[], key: (p: Package) => string): Package[][] {
  const m = new Map<string, Package[]>();
  for (const p of list) {
    const k = key(p);
    const l = m.get(k);
    if (l) l.push(p);
    else m.set(k, [p]);
  }
  return [...m.values()];
}

/**
 * One group of equal (ecosystem, name, version) split by install: the packages with equal project
 * roots are one install; an installed copy with no declared package at its own root joins the
 * declared packages of the nearest root above it (a virtualenv inside its project).
 */
function byInstall(group: readonly Package[]): Package[][] {
  const rootOf = new Map<Package, InstallRoot>();
  for (const p of group) {
    // a package's own locations can name several roots only if an extractor said so; its first decides
    rootOf.set(p, installRootOf(p.locations?.[0] ?? ''));
  }
  const byRoot = partition(group, (p) => rootOf.get(p)!.root);
  const roots = new Map(byRoot.map((list) => [rootOf.get(list[0])!.root, list]));
  const declaredRoots = [...roots.keys()].filter((r) => roots.get(r)!.some((p) => !rootOf.get(p)!.installed));
  const joined = new Set<string>();
  for (const [root, list] of roots) {
    if (list.some((p) => !rootOf.get(p)!.installed)) continue; // has its own manifest
    // the nearest declared root strictly above (longest)
    let best: string | undefined;
    for (const d of declaredRoots) if (d !== root && within(root, d) && (best === undefined || d.length > best.length)) best = d;
    if (best === undefined) continue;
    roots.get(best)!.push(...list);
    joined.add(root);
  }
  return [...roots].filter(([r]) => !joined.has(r)).map(([, list]) => list);
}

/** One package of `same` (one install): locations and licenses united and sorted, dev false over true over unknown, the earliest layer. */
function finish(same: readonly Package[]): Package {
  const sorted = [...same].sort((a, b) => cmp(a.foundBy ?? '', b.foundBy ?? '') || cmp(a.locations?.[0] ?? '', b.locations?.[0] ?? ''));
  const first = sorted[0];
  if (sorted.length === 1) {
    if (first.locations && first.locations.length > 1) first.locations = [...new Set(first.locations)].sort(cmp);
    return first;
  }
  const p: Package = { ...first };
  const locations = new Set<string>();
  const extractors = new Set<string>();
  const licenses = new Set<string>();
  let layer: LayerRef | undefined;
  let dev: boolean | undefined;
  for (const q of sorted) {
    for (const l of q.locations ?? []) locations.add(l);
    if (q.foundBy) extractors.add(q.foundBy);
    for (const l of q.licenses ?? []) licenses.add(l);
    if (q.layer && (!layer || q.layer.index < layer.index)) layer = q.layer;
    if (q.dev === false) dev = false;
    else if (q.dev === true && dev === undefined) dev = true;
    p.purl ??= q.purl;
    p.sourceName ??= q.sourceName;
    p.sourceVersion ??= q.sourceVersion;
  }
  p.locations = [...locations].sort(cmp);
  if (extractors.size > 1) p.extractors = [...extractors].sort(cmp);
  if (licenses.size) p.licenses = [...licenses].sort(cmp);
  if (layer) p.layer = layer;
  if (dev !== undefined) p.dev = dev;
  else delete p.dev;
  return p;
}
