/**
 * Helpers shared by the npm-ecosystem extractors: building a Package with its purl, merging
 * duplicates, and turning a parser's outcome into packages plus per-file errors.
 */
import { makePurl, VigilError, type Package } from '../../model/index.ts';
import type { ExtractContext } from '../types.ts';

/** A problem with one entry of a file; the rest of the file is still read. */
export interface EntryProblem {
  rule: string;
  message: string;
}

/** What a pure lockfile parser returns. */
export interface ParseOutput {
  packages: Package[];
  problems: EntryProblem[];
  /** notes that are no problem with any entry (a YAML parser's warnings): logged, not recorded */
  warnings?: EntryProblem[];
}

/** `@scope/name` → ["@scope", "name"]; `name` → [undefined, "name"]. */
export function splitScope(name: string): [string | undefined, string] {
  if (name.startsWith('@')) {
    const i = name.indexOf('/');
    if (i > 0) return [name.slice(0, i), name.slice(i + 1)];
  }
  return [undefined, name];
}

/** The npm purl: `pkg:npm/%40scope/name@1.0.0`. */
export function npmPurl(name: string, version: string): string {
  const [scope, local] = splitScope(name);
  return makePurl('npm', scope, local, version);
}

/** A valid npm package name (https://github.com/npm/validate-npm-package-name), loosely: no spaces, no leading dot. */
export function looksLikeNpmName(name: string): boolean {
  return /^(@[^\s/@]+\/)?[^\s/@.][^\s/]*$/.test(name);
}

/** @param p.locations a list to share instead of a new `[location]` (an Interner's: never changed in place) */
export function npmPackage(p: { name: string; version: string; location: string; foundBy: string; dev?: boolean; licenses?: string[]; locations?: string[] }): Package {
  const purl = npmPurl(p.name, p.version);
  const locations = p.locations ?? [p.location];
  const licenses = p.licenses && p.licenses.length ? p.licenses : undefined;
  // every field in one literal: fields added afterwards go to a separate property store (~40 bytes
  // more per package, 8 MB at 200k); the order is the one reports print
  if (p.dev !== undefined) {
    return licenses
      ? { ecosystem: 'npm', name: p.name, version: p.version, purl, locations, foundBy: p.foundBy, dev: p.dev, licenses }
      : { ecosystem: 'npm', name: p.name, version: p.version, purl, locations, foundBy: p.foundBy, dev: p.dev };
  }
  return licenses
    ? { ecosystem: 'npm', name: p.name, version: p.version, purl, locations, foundBy: p.foundBy, licenses }
    : { ecosystem: 'npm', name: p.name, version: p.version, purl, locations, foundBy: p.foundBy };
}

/**
 * Merges packages that share ecosystem, name and version (a lockfile can list one version at
 * several nested paths): dev only when every occurrence is dev; licenses and locations united.
 * Output is sorted by name then version, for reproducible results.
 * @param owned true when the caller hands over `pkgs` (built for this call, not shared): the first
 *   of each name and version is kept and updated instead of copied (a 200k-package lockfile then
 *   never holds two copies of its packages). Lists are replaced, never changed in place.
 */
export function mergePackages(pkgs: Package[], owned = false): Package[] {
  // by ecosystem, then name, then its versions (a short list, a map past a few): no key string
  // per package (one ecosystem's map per call, nearly always)
  const byEcosystem = new Map<string, Map<string, Package[] | Map<string, Package>>>();
  const out: Package[] = [];
  for (const p of pkgs) {
    let byName = byEcosystem.get(p.ecosystem);
    if (!byName) byEcosystem.set(p.ecosystem, (byName = new Map()));
    const nameKey = p.name;
    let versions = byName.get(nameKey);
    if (!versions) byName.set(nameKey, (versions = []));
    const seen = Array.isArray(versions) ? versions.find((v) => v.version === p.version) : versions.get(p.version);
    if (!seen) {
      const first = owned ? p : { ...p, locations: p.locations ? [...p.locations] : undefined, licenses: p.licenses ? [...p.licenses] : undefined };
      if (!Array.isArray(versions)) versions.set(first.version, first);
      else if (versions.length < 8) versions.push(first);
      else byName.set(nameKey, new Map([...versions, first].map((v) => [v.version, v])));
      out.push(first);
      continue;
    }
    if (seen.dev !== undefined || p.dev !== undefined) seen.dev = seen.dev === true && p.dev === true;
    if (p.licenses) seen.licenses = [...new Set([...(seen.licenses ?? []), ...p.licenses])];
    if (p.locations) seen.locations = [...new Set([...(seen.locations ?? []), ...p.locations])];
  }
  for (const p of out) if (p.dev === undefined) delete p.dev;
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
}

/**
 * One copy of the strings and lists a big lockfile repeats (names and versions at many nested
 * paths, the same few license lists): what a parse keeps refers to these. Lists are frozen: they
 * are shared between packages.
 */
export class Interner {
  private readonly strings = new Map<string, string>();
  private readonly lists = new Map<string, readonly string[]>();

  str(s: string): string {
    let v = this.strings.get(s);
    if (v === undefined) {
      // a slice of a longer string (a name cut from its install path) would keep the whole alive
      v = s.length > 12 ? Buffer.from(s, 'utf8').toString('utf8') : s;
      this.strings.set(v, v);
    }
    return v;
  }

  list(xs: readonly string[]): string[] {
    const key = xs.length === 1 ? xs[0] : JSON.stringify(xs);
    let v = this.lists.get(key);
    if (v === undefined) {
      v = Object.freeze(xs.map((x) => this.str(x)));
      this.lists.set(key, v);
    }
    return v as string[];
  }
}

/** Normalizes an npm manifest/lockfile `license` field (string, {type}, or legacy array). */
export function licensesOf(v: unknown): string[] | undefined {
  if (typeof v === 'string' && v.trim()) return [v.trim()];
  if (v && typeof v === 'object' && !Array.isArray(v) && typeof (v as { type?: unknown }).type === 'string') return [(v as { type: string }).type];
  // the legacy `licenses` array holds strings or {type} objects, never further arrays
  if (Array.isArray(v)) {
    const out = v.flatMap((x) => (Array.isArray(x) ? [] : (licensesOf(x) ?? [])));
    return out.length ? out : undefined;
  }
  return undefined;
}

/** A whole-file parse failure, thrown by parsers and recorded by extractors as a FileError. */
export function parseError(path: string, rule: string, detail: string, cause?: unknown): VigilError {
  return new VigilError('VIGIL_INVALID_INPUT', `${path}: ${rule}: ${detail}`, { input: path, rule, cause });
}

/**
 * Runs a pure parser for an extractor: entry problems and a whole-file failure become
 * ctx.fileErrors; never throws for bad input.
 */
export function recordOutcome(path: string, ctx: ExtractContext, run: () => ParseOutput): Package[] {
  try {
    const out = run();
    for (const pr of out.problems) ctx.fileErrors.push({ path, rule: pr.rule, message: pr.message });
    for (const w of out.warnings ?? []) ctx.log?.warn({ path, rule: w.rule }, w.message);
    return out.packages;
  } catch (err) {
    // a VigilError is the input's fault; anything else is a defect of ours that the input exposed
    const rule = err instanceof VigilError ? (err.rule ?? 'parse-error') : 'extractor-error';
    ctx.fileErrors.push({ path, rule, message: err instanceof Error ? err.message : String(err) });
    return [];
  }
}

/** Parses JSON or throws a parse-error naming the file. */
export function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw parseError(path, 'parse-error', `not valid JSON (${(err as Error).message})`, err);
  }
}

/** The directory part of a "/"-separated path ("" for a top-level file). */
export function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** Joins a directory and a relative "/"-separated path, resolving "." and ".."; null if it climbs above the root. */
export function joinPath(dir: string, rel: string): string | null {
  const parts = dir ? dir.split('/') : [];
  for (const seg of rel.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (!parts.length) return null;
      parts.pop();
    } else parts.push(seg);
  }
  return parts.join('/');
}
