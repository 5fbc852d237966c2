/**
 * pnpm-lock.yaml parser, lockfile versions 5.x (pnpm 7), 6.x (pnpm 8) and 7/9 (pnpm 9+).
 * Format notes: https://github.com/pnpm/spec/tree/master/lockfile (5.x, 6.0, 9.0).
 *
 * Package keys by version:
 * - 5.x: `/name/1.0.0`, `/@scope/name/1.0.0_peer@2.0.0` (peers after "_")
 * - 6.x: `/name@1.0.0`, `/@scope/name@1.0.0(peer@2.0.0)` (peers in parentheses)
 * - 9.0: `name@1.0.0` under `packages` (metadata) and `name@1.0.0(peer@2.0.0)` under `snapshots`
 *   (installed instances and their dependencies).
 * Entries for tarball or git dependencies are keyed by URL and carry `name`/`version` fields.
 *
 * Dev marking: 5.x and 6.x write `dev: true|false` per package (absent when a package is both);
 * 9.0 dropped it, so the graph is walked from every importer's `dependencies` and
 * `optionalDependencies` (production) and `devDependencies` (dev).
 */
import { VigilError, type Package } from '../../../model/index.ts';
import { parseYamlDocuments } from '../../../model/yaml.ts';
import { looksLikeNpmName, mergePackages, npmPackage, parseError, type EntryProblem, type ParseOutput } from '../common.ts';
import { entry } from '../../entries.ts';

export const FOUND_BY = 'javascript/pnpm-lock';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

interface Node {
  name: string;
  version: string;
  deps: [string, string][];
  devFlag?: boolean;
  dev?: boolean;
}

/**
 * Parses a pnpm-lock.yaml text.
 * @throws VigilError (VIGIL_INVALID_INPUT, rule "parse-error") when the text is not a pnpm lockfile
 */
export function parsePnpmLock(text: string, path: string): ParseOutput {
  // the parser's warnings (an unresolved tag, …) are returned for the extractor to log; the yaml
  // package printed them raw on stderr. A file of two documents (pnpm ≥ 9.7 with
  // `managePackageManagerVersions`: its own environment lockfile first) is read from its last
  // lockfile document.
  let docs;
  try {
    docs = parseYamlDocuments(text, path, { maxAliasCount: 100, uniqueKeys: false });
  } catch (err) {
    if (err instanceof VigilError && err.rule === 'nesting-depth') throw err;
    throw parseError(path, 'parse-error', (err as Error).message.replace(`${path}: `, '').split('\n')[0], err);
  }
  const chosen = docs.length === 1 ? docs[0] : docs.filter((d) => isObj(d.value) && d.value.lockfileVersion !== undefined).pop();
  const doc: unknown = chosen?.value;
  const warnings = chosen?.warnings ?? [];
  if (!isObj(doc) || doc.lockfileVersion === undefined) throw parseError(path, 'parse-error', 'not a pnpm lockfile: no lockfileVersion');
  // a string or number; String() of a mapping with its own toString key throws
  const major = typeof doc.lockfileVersion === 'string' || typeof doc.lockfileVersion === 'number' ? Number.parseFloat(String(doc.lockfileVersion)) : Number.NaN;
  if (!Number.isFinite(major)) throw parseError(path, 'parse-error', `not a pnpm lockfile: lockfileVersion ${typeof doc.lockfileVersion === 'object' ? 'is not a number' : JSON.stringify(doc.lockfileVersion)}`);
  const v5 = major < 6;
  const problems: EntryProblem[] = [];
  const meta = isObj(doc.packages) ? doc.packages : {};
  const instances = isObj(doc.snapshots) ? doc.snapshots : meta;

  const nodes = new Map<string, Node>();
  for (const [key, raw] of Object.entries(instances)) {
    if (!isObj(raw) && raw !== null && raw !== undefined) {
      problems.push({ rule: 'invalid-entry', message: `${path}: ${JSON.stringify(key)}: not a mapping` });
      continue;
    }
    const e: Obj = raw ?? {};
    const base = v5 ? key : stripPeers(key);
    const m: Obj = (isObj(meta[base]) ? meta[base] : undefined) ?? e;
    const parsed = v5 ? splitV5(key) : splitAt(base);
    const name = typeof m.name === 'string' ? m.name : parsed?.[0];
    const version = typeof m.version === 'string' ? m.version : parsed && isVersion(parsed[1]) ? parsed[1] : undefined;
    if (!name || !version) {
      // local folders (`file:`, `link:`) and URL keys without a version field are not registry packages
      if (!/^\/?(file:|link:|[a-z0-9.-]+\.[a-z]+\/)/.test(key) && !/@(file:|link:|https?:|git)/.test(key)) {
        problems.push({ rule: 'invalid-entry', message: `${path}: ${JSON.stringify(key)}: cannot tell name and version` });
      }
      continue;
    }
    if (!looksLikeNpmName(name)) {
      problems.push({ rule: 'invalid-entry', message: `${path}: ${JSON.stringify(key)}: invalid package name ${JSON.stringify(name)}` });
      continue;
    }
    const node: Node = { name, version, deps: depsOf(e) };
    const devFlag = typeof e.dev === 'boolean' ? e.dev : typeof m.dev === 'boolean' ? m.dev : undefined;
    if (devFlag !== undefined) node.devFlag = devFlag;
    nodes.set(normKey(key), node);
  }

  markDev(doc, nodes, v5);
  const pkgs: Package[] = [];
  for (const n of nodes.values()) {
    const p = entry(problems, `${path}: ${n.name}@${n.version}`, () => npmPackage({ name: n.name, version: n.version, location: path, foundBy: FOUND_BY, dev: n.dev }));
    if (p) pkgs.push(p);
  }
  return { packages: mergePackages(pkgs), problems, warnings: warnings.map((message) => ({ rule: 'yaml-warning', message })) };
}


const isVersion = (v: string) => /^\d+\.\d+\.\d+/.test(v);

/** "name@1.0.0(peer@2)(x@1)" → "name@1.0.0" */
function stripPeers(key: string): string {
  const i = key.indexOf('(');
  return i < 0 ? key : key.slice(0, i);
}

/** Keys are compared without the leading "/" of 6.x and without peer suffixes' spacing differences. */
function normKey(key: string): string {
  return key.startsWith('/') ? key.slice(1) : key;
}

/** "/@s/n@1.0.0" or "@s/n@1.0.0" → ["@s/n", "1.0.0"] */
function splitAt(key: string): [string, string] | null {
  const k = normKey(key);
  const at = k.lastIndexOf('@');
  if (at <= 0) return null;
  return [k.slice(0, at), k.slice(at + 1)];
}

/** 5.x: "/@s/n/1.0.0_peer@2" → ["@s/n", "1.0.0"] */
function splitV5(key: string): [string, string] | null {
  if (!key.startsWith('/')) return null;
  const segs = key.slice(1).split('/');
  const nameLen = segs[0].startsWith('@') ? 2 : 1;
  if (segs.length < nameLen + 1) return null;
  const name = segs.slice(0, nameLen).join('/');
  const rest = segs.slice(nameLen).join('/');
  const u = rest.indexOf('_');
  return [name, u < 0 ? rest : rest.slice(0, u)];
}

function depsOf(e: Obj): [string, string][] {
  const out: [string, string][] = [];
  for (const f of ['dependencies', 'optionalDependencies']) {
    const m = e[f];
    if (isObj(m)) for (const [k, v] of Object.entries(m)) if (typeof v === 'string') out.push([k, v]);
  }
  return out;
}

/** The node key a dependency reference points to, or null for links and local folders. */
function refKey(name: string, ref: string, v5: boolean): string | null {
  if (/^(link|file|workspace):/.test(ref)) return null;
  if (v5) return ref.startsWith('/') ? normKey(ref) : `${name}/${ref}`;
  // an alias (`"my-ms": "ms@2.1.3"`) writes the real name@version; peers add "(…@…)"
  if (!/^\d/.test(ref) && stripPeers(ref).includes('@')) return normKey(ref);
  return `${name}@${ref}`;
}

function importerRefs(m: unknown): [string, string][] {
  const out: [string, string][] = [];
  if (!isObj(m)) return out;
  for (const [k, v] of Object.entries(m)) {
    if (typeof v === 'string') out.push([k, v]);
    else if (isObj(v) && typeof v.version === 'string') out.push([k, v.version]);
  }
  return out;
}

function markDev(doc: Obj, nodes: Map<string, Node>, v5: boolean): void {
  const importers: Obj[] = isObj(doc.importers) ? Object.values(doc.importers).filter(isObj) : [doc];
  const roots = (fields: string[]) => {
    const out: Node[] = [];
    for (const imp of importers) for (const f of fields) for (const [k, v] of importerRefs(imp[f])) {
      const key = refKey(k, v, v5);
      const n = key ? nodes.get(key) : undefined;
      if (n) out.push(n);
    }
    return out;
  };
  const walk = (start: Node[]): Set<Node> => {
    const seen = new Set(start);
    const stack = [...start];
    while (stack.length) {
      const n = stack.pop()!;
      for (const [k, v] of n.deps) {
        const key = refKey(k, v, v5);
        const m = key ? nodes.get(key) : undefined;
        if (m && !seen.has(m)) {
          seen.add(m);
          stack.push(m);
        }
      }
    }
    return seen;
  };
  const prod = walk(roots(['dependencies', 'optionalDependencies']));
  const dev = walk(roots(['devDependencies']));
  for (const n of nodes.values()) {
    // pnpm's own flag wins when written (5.x/6.x); otherwise the graph decides
    if (n.devFlag !== undefined) n.dev = n.devFlag;
    else if (prod.has(n)) n.dev = false;
    else if (dev.has(n)) n.dev = true;
  }
}
