/**
 * yarn.lock parser: Yarn 1 ("classic", `# yarn lockfile v1`) and Yarn 2+ ("berry", YAML with a
 * `__metadata` entry). Both are read with @yarnpkg/parsers' `parseSyml`, which is what Yarn itself
 * uses. Formats: https://classic.yarnpkg.com/lang/en/docs/yarn-lock/ and
 * https://yarnpkg.com/advanced/lockfile (berry keys are `name@npm:range`, entries carry
 * `resolution: name@npm:version`).
 *
 * A yarn.lock does not say which packages are development-only; given the sibling package.json,
 * the dependency graph is walked from its `dependencies`/`optionalDependencies` (production) and
 * `devDependencies` (development) and packages reached only from the latter are marked dev.
 */
import { parseSyml } from '@yarnpkg/parsers';
import type { Package } from '../../../model/index.ts';
import { looksLikeNpmName, mergePackages, npmPackage, parseError, type EntryProblem, type ParseOutput } from '../common.ts';
import { entry } from '../../entries.ts';

export const FOUND_BY = 'javascript/yarn-lock';

interface Node {
  name: string;
  version: string;
  deps: [string, string][];
  /** false for entries that are not registry packages (workspaces, links, patches); walked but not reported */
  report: boolean;
  dev?: boolean;
}

/** "@s/n@npm:^1" → ["@s/n", "npm:^1"]; null when there is no "@" after the name. */
export function splitDescriptor(d: string): [string, string] | null {
  const at = d.indexOf('@', d.startsWith('@') ? 1 : 0);
  if (at <= 0) return null;
  return [d.slice(0, at), d.slice(at + 1)];
}

/**
 * Parses a yarn.lock text.
 * @param manifest the sibling package.json text, when available, for dev marking
 * @throws VigilError (VIGIL_INVALID_INPUT, rule "parse-error") when the text is not a yarn.lock
 */
export function parseYarnLock(text: string, path: string, manifest?: string | null): ParseOutput {
  let doc: unknown;
  try {
    doc = parseSyml(text);
  } catch (err) {
    throw parseError(path, 'parse-error', `not a yarn.lock (${(err as Error).message.split('\n')[0]})`, err);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw parseError(path, 'parse-error', 'not a yarn.lock: top level is not a mapping');
  const berry = '__metadata' in doc;
  const problems: EntryProblem[] = [];
  const nodes: Node[] = [];
  const byDescriptor = new Map<string, Node>();
  const byId = new Map<string, Node>();
  for (const [key, raw] of Object.entries(doc as Record<string, unknown>)) {
    if (key === '__metadata') continue;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      problems.push({ rule: 'invalid-entry', message: `${path}: entry ${JSON.stringify(key)}: not a mapping` });
      continue;
    }
    const e = raw as Record<string, unknown>;
    const descriptors = key.split(',').map((s) => s.trim()).filter(Boolean);
    const node = berry ? berryNode(key, e, path, problems) : classicNode(descriptors, e, path, problems);
    if (!node) continue;
    // parseSyml splits combined keys ("ms@^2.0.0, ms@^2.1.1") into one key per descriptor; one
    // resolved name@version is one node of the graph whatever descriptors lead to it.
    const id = `${node.report}\0${node.name}\0${node.version}`;
    let same = byId.get(id);
    if (!same) {
      same = node;
      byId.set(id, node);
      nodes.push(node);
    }
    for (const d of descriptors) byDescriptor.set(d, same);
  }
  if (nodes.length === 0 && !berry && !/^# yarn lockfile v1/m.test(text)) throw parseError(path, 'parse-error', 'not a yarn.lock: no entries');
  markDev(nodes, byDescriptor, manifest, path, problems);
  const pkgs: Package[] = [];
  for (const n of nodes) {
    if (!n.report) continue;
    const p = entry(problems, `${path}: ${n.name}@${n.version}`, () => npmPackage({ name: n.name, version: n.version, location: path, foundBy: FOUND_BY, dev: n.dev }));
    if (p) pkgs.push(p);
  }
  return { packages: mergePackages(pkgs), problems };
}

function depsOf(e: Record<string, unknown>): [string, string][] {
  const out: [string, string][] = [];
  for (const field of ['dependencies', 'optionalDependencies']) {
    const m = e[field];
    if (m && typeof m === 'object' && !Array.isArray(m)) for (const [k, v] of Object.entries(m)) if (typeof v === 'string') out.push([k, v]);
  }
  return out;
}

function classicNode(descriptors: string[], e: Record<string, unknown>, path: string, problems: EntryProblem[]): Node | null {
  const first = descriptors[0] ? splitDescriptor(descriptors[0]) : null;
  if (!first || typeof e.version !== 'string' || !e.version) {
    problems.push({ rule: 'invalid-entry', message: `${path}: entry ${JSON.stringify(descriptors.join(', '))}: ${first ? 'no version' : 'key is not name@range'}` });
    return null;
  }
  let [name] = first;
  const range = first[1];
  // an alias: `alias@npm:real-name@^1.0.0` installs real-name
  const alias = /^npm:((?:@[^/@]+\/)?[^@]+)@/.exec(range);
  if (alias) name = alias[1];
  // local folders are the project's own code
  const report = !/^(file|link|portal|workspace):/.test(range) && looksLikeNpmName(name);
  return { name, version: e.version, deps: depsOf(e), report };
}

function berryNode(key: string, e: Record<string, unknown>, path: string, problems: EntryProblem[]): Node | null {
  const res = typeof e.resolution === 'string' ? splitDescriptor(e.resolution) : null;
  if (!res || (typeof e.version !== 'string' && typeof e.version !== 'number')) {
    problems.push({ rule: 'invalid-entry', message: `${path}: entry ${JSON.stringify(key)}: ${res ? 'no version' : 'no resolution'}` });
    return null;
  }
  const [name, ref] = res;
  // Only `npm:` resolutions are registry packages; `patch:` entries duplicate the npm entry they
  // patch (which is also listed), and workspace/link/portal/file/git/exec are not from the registry.
  const report = ref.startsWith('npm:') && looksLikeNpmName(name);
  return { name, version: String(e.version), deps: depsOf(e), report };
}

function lookup(byDescriptor: Map<string, Node>, name: string, range: string): Node | undefined {
  return byDescriptor.get(`${name}@${range}`) ?? byDescriptor.get(`${name}@npm:${range}`);
}

function markDev(nodes: Node[], byDescriptor: Map<string, Node>, manifest: string | null | undefined, path: string, problems: EntryProblem[]): void {
  if (!manifest) return;
  let pj: Record<string, unknown>;
  try {
    pj = JSON.parse(manifest) as Record<string, unknown>;
    if (!pj || typeof pj !== 'object') throw new Error('not an object');
  } catch (err) {
    problems.push({ rule: 'manifest-unreadable', message: `${path}: the sibling package.json is not valid JSON (${(err as Error).message}); dev dependencies are not marked` });
    return;
  }
  const rootsOf = (...fields: string[]): Node[] => {
    const out: Node[] = [];
    for (const f of fields) {
      const m = pj[f];
      if (m && typeof m === 'object') for (const [k, v] of Object.entries(m)) if (typeof v === 'string') {
        const n = lookup(byDescriptor, k, v);
        if (n) out.push(n);
      }
    }
    return out;
  };
  // Other workspaces' entries (berry `name@workspace:path`) list their dev and production
  // dependencies together; treat them as production so nothing is wrongly marked dev.
  const workspaceRoots = nodes.filter((n) => !n.report && n.version.startsWith('0.0.0-use.local'));
  const prod = reach([...rootsOf('dependencies', 'optionalDependencies'), ...workspaceRoots.filter((n) => !isRootWorkspace(n, pj))], byDescriptor);
  const dev = reach(rootsOf('devDependencies'), byDescriptor);
  for (const n of nodes) {
    if (prod.has(n)) n.dev = false;
    else if (dev.has(n)) n.dev = true;
  }
}

function isRootWorkspace(n: Node, pj: Record<string, unknown>): boolean {
  return n.name === pj.name;
}

function reach(roots: Node[], byDescriptor: Map<string, Node>): Set<Node> {
  const seen = new Set<Node>(roots);
  const stack = [...roots];
  while (stack.length) {
    const n = stack.pop()!;
    for (const [k, v] of n.deps) {
      const m = lookup(byDescriptor, k, v);
      if (m && !seen.has(m)) {
        seen.add(m);
        stack.push(m);
      }
    }
  }
  return seen;
}
