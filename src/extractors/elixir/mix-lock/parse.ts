/**
 * mix.lock parser (https://hexdocs.pm/mix/Mix.Tasks.Deps.html; written by Mix.Dep.Lock). The file
 * is an Elixir map literal, read with ./term.ts (never evaluated). Each value is a tuple:
 * - `{:hex, :pkg, "version", "inner_checksum", managers, deps, "repo", "outer_checksum"}` (older
 *   locks stop after deps, or after the version); `repo` "hexpm" is the public registry,
 *   "hexpm:org" a private organisation;
 * - `{:git, "url", "sha", opts}` a git checkout (no version: the commit is what is pinned).
 * Pure: text in, entries out.
 */
import { parseError, type EntryProblem, type LockEntry, type LockParse } from '../../lockfile.ts';
import { parseTerm, TermError, type Term } from './term.ts';

const HEX_NAME = /^[a-z][a-z0-9_]{0,127}$/;

const show = (t: Term): string => (t.t === 'atom' ? `:${t.v}` : t.t === 'str' ? JSON.stringify(t.v) : t.t);

/** @throws VigilError rule "parse-error" when the text is not a mix.lock */
export function parseMixLock(text: string, path: string): LockParse {
  let doc: Term;
  try {
    doc = parseTerm(text);
  } catch (e) {
    if (e instanceof TermError) throw parseError(path, `not a mix.lock: ${e.message}`, e);
    throw e;
  }
  if (doc.t !== 'map') throw parseError(path, `not a mix.lock: the file is ${doc.t === 'atom' ? 'an atom' : `a ${doc.t}`}, not a map %{…}`);
  const entries: LockEntry[] = [];
  const problems: EntryProblem[] = [];
  for (const [k, v] of doc.v) {
    const key = k.t === 'str' || k.t === 'atom' ? k.v : show(k);
    const bad = (why: string) => problems.push({ rule: 'mix-lock-entry', message: `${path}: "${key}": ${why}; entry skipped` });
    if (v.t !== 'tuple' || v.v.length < 2 || v.v[0].t !== 'atom') { bad('not a {:scm, …} tuple'); continue; }
    const [scm, ...rest] = v.v;
    if (scm.v === 'hex') {
      const [name, version, , , , repo] = rest;
      if (name?.t !== 'atom' || !HEX_NAME.test(name.v)) { bad('no package name atom'); continue; }
      if (version?.t !== 'str' || !version.v) { bad('no version string'); continue; }
      const e: LockEntry = { name: name.v, version: version.v };
      // a private organisation's package ("hexpm:acme") is not the public registry's package of that name
      if (repo?.t === 'str' && repo.v !== 'hexpm') e.source = { kind: 'url', where: `hex:${repo.v}` };
      entries.push(e);
    } else if (scm.v === 'git') {
      const [url, sha] = rest;
      if (url?.t !== 'str' || !url.v) { bad('a git entry without a URL'); continue; }
      if (sha?.t !== 'str' || !/^[0-9a-f]{7,64}$/.test(sha.v)) { bad('a git entry without a commit'); continue; }
      if (!HEX_NAME.test(key)) { bad('not an application name'); continue; }
      // no version in the lock: the commit is the version
      entries.push({ name: key, version: sha.v, source: { kind: 'git', where: url.v, ref: sha.v } });
    } else {
      bad(`unknown SCM ${show(scm)} (expected :hex or :git)`);
    }
  }
  return { entries, problems };
}
