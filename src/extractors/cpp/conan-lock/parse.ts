/**
 * conan.lock parser (JSON). Two families:
 * - Conan 2, lock version "0.5" (https://docs.conan.io/2/tutorial/versioning/lockfiles.html):
 *   `requires`, `build_requires`, `python_requires` (and `config_requires`) lists of references
 *   `name/version[@user[/channel]][#recipe_revision[%timestamp]]`.
 * - Conan 1, lock versions "0.2"–"0.4" (https://docs.conan.io/1/versioning/lockfiles.html):
 *   `graph_lock.nodes` keyed by id, each with `ref` (0.4) or `pref` (0.2/0.3:
 *   `ref:package_id#prev`); a node with `path` is the consumer project itself, not a package;
 *   `context: "build"` marks build tools.
 * Pure: text in, entries out.
 */
import { isObj, parseError, parseJsonLock, type EntryProblem, type LockEntry, type LockParse } from '../../lockfile.ts';

/** A Conan reference; conan's own name rules: 2–101 chars of [a-z0-9_][a-z0-9_+.-]. */
const REF = /^([A-Za-z0-9_][A-Za-z0-9_+.-]{0,100})\/([A-Za-z0-9_+.-]{1,100})(?:@([A-Za-z0-9_][A-Za-z0-9_+.-]{0,100}|_)(?:\/([A-Za-z0-9_][A-Za-z0-9_+.-]{0,100}|_))?)?(?:#[0-9a-f]{1,64}(?:%[0-9.]{1,32})?)?(?::[0-9a-f]{1,64}(?:#[0-9a-f]{1,64})?)?$/;

/** The package of one reference; a user/channel means a recipe outside ConanCenter. */
export function parseConanRef(ref: string): LockEntry | undefined {
  const m = REF.exec(ref.trim());
  if (!m) return undefined;
  const [, name, version, user, channel] = m;
  const e: LockEntry = { name, version };
  if (user && user !== '_') e.source = { kind: 'url', where: `conan:${name}/${version}@${user}${channel && channel !== '_' ? `/${channel}` : ''}` };
  return e;
}

/** @throws VigilError rule "parse-error" when the text is not a conan.lock */
export function parseConanLock(text: string, path: string): LockParse {
  const doc = parseJsonLock(text, path, 'conan.lock');
  if (!isObj(doc)) throw parseError(path, 'not a conan.lock: not a JSON object');
  const entries: LockEntry[] = [];
  const problems: EntryProblem[] = [];
  const add = (ref: unknown, where: string, dev: boolean) => {
    if (typeof ref !== 'string') { problems.push({ rule: 'conan-ref', message: `${path}: ${where}: not a reference string; entry skipped` }); return; }
    const e = parseConanRef(ref);
    if (!e) { problems.push({ rule: 'conan-ref', message: `${path}: ${where}: ${JSON.stringify(ref.slice(0, 200))} is not name/version[@user/channel][#rev]; entry skipped` }); return; }
    if (dev) e.dev = true;
    entries.push(e);
  };
  if (isObj(doc.graph_lock)) {
    const nodes = doc.graph_lock.nodes;
    if (!isObj(nodes)) throw parseError(path, 'not a conan.lock: "graph_lock.nodes" is not an object');
    for (const [id, n] of Object.entries(nodes)) {
      if (!isObj(n)) { problems.push({ rule: 'conan-ref', message: `${path}: graph_lock.nodes["${id}"]: not an object; entry skipped` }); continue; }
      if (typeof n.path === 'string') continue; // the consumer (conanfile) itself
      const ref = typeof n.ref === 'string' ? n.ref : typeof n.pref === 'string' ? n.pref : n.ref ?? n.pref;
      if (ref === null || ref === undefined) continue; // a virtual root ("pref": null)
      add(ref, `graph_lock.nodes["${id}"]`, n.context === 'build');
    }
    return { entries, problems };
  }
  const lists: [string, boolean][] = [['requires', false], ['build_requires', true], ['python_requires', true], ['config_requires', true]];
  if (!lists.some(([k]) => Array.isArray(doc[k]))) throw parseError(path, 'not a conan.lock: neither "graph_lock" (Conan 1) nor "requires" lists (Conan 2)');
  for (const [k, dev] of lists) {
    const v = doc[k];
    if (v === undefined) continue;
    if (!Array.isArray(v)) { problems.push({ rule: 'conan-ref', message: `${path}: "${k}" is not a list; skipped` }); continue; }
    v.forEach((r, i) => add(r, `${k}[${i}]`, dev));
  }
  // a package both required and used as a build tool is a production package
  const prod = new Set(entries.filter((e) => !e.dev).map((e) => `${e.name}/${e.version}`));
  return { entries: entries.filter((e) => !e.dev || !prod.has(`${e.name}/${e.version}`)), problems };
}
