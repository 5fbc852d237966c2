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
  // the packages' positions ordered by (ecosystem, name, version, OS owner), then position: each run
  // of equal keys is one group, its packages in input order. (A map of groups by a joined key
  // string held a key, an array and a map entry per package: ~35 MB at 200k lockfile packages.)
  const n = packages.length;
  const byKey = new Uint32Array(n);
  for (let i = 0; i < n; i++) byKey[i] = i;
  byKey.sort((a, b) => sameGroup(packages[a], packages[b]) || a - b);
  // merged packages, and where each comes in the input's order (see below)
  const merged: Package[] = [];
  const groupAt: number[] = [];
  const firstOf: number[] = [];
  for (let s = 0; s < n;) {
    const first = packages[byKey[s]];
    let e = s + 1;
    while (e < n && sameGroup(first, packages[byKey[e]]) === 0) e++;
    if (e - s === 1) {
      merged.push(finish([first]));
      groupAt.push(byKey[s]);
      firstOf.push(byKey[s]);
    } else {
      const group: Package[] = [];
      const at = new Map<Package, number>();
      for (let k = s; k < e; k++) {
        const p = packages[byKey[k]];
        group.push(p);
        if (!at.has(p)) at.set(p, byKey[k]);
      }
      const parts = OS_ECOSYSTEM.test(first.ecosystem) ? partition(group, (p) => p.locations?.[0] ?? '') : byInstall(group);
      for (const same of parts) {
        merged.push(finish(same));
        groupAt.push(byKey[s]);
        firstOf.push(at.get(same[0])!);
      }
    }
    s = e;
  }
  // in the order groups first appear in the input, a group's installs in the order their first
  // packages do (callers' stable sorts keep this order for equal keys)
  const order = new Uint32Array(merged.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => groupAt[a] - groupAt[b] || firstOf[a] - firstOf[b]);
  const out: Package[] = new Array(merged.length);
  for (let i = 0; i < order.length; i++) out[i] = merged[order[i]];
  return out;
}

/** 0 when a and b are of one group (ecosystem, name, version, OS owner), else their order. */
function sameGroup(a: Package, b: Package): number {
  return cmp(a.ecosystem, b.ecosystem) || cmp(a.name, b.name) || cmp(a.version, b.version) || cmp(a.ownedBy ?? '', b.ownedBy ?? '');
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
  if (same.length === 1) {
    const only = same[0];
    if (only.locations && only.locations.length > 1) only.locations = [...new Set(only.locations)].sort(cmp);
    return only;
  }
  const sorted = [...same].sort((a, b) => cmp(a.foundBy ?? '', b.foundBy ?? '') || cmp(a.locations?.[0] ?? '', b.locations?.[0] ?? ''));
  const first = sorted[0];
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
