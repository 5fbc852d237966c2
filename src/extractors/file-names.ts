/**
 * File names an extractor can want, declared with its `fileRequired`, so that a walk asks each file
 * only of the extractors whose names it matches (FileIndex) instead of every extractor's predicate:
 * an image or a root filesystem offers tens of thousands of files to ~40 extractors, and nearly all
 * of those answers are "no".
 *
 * The declaration cannot be narrower than the predicate: `named(names, test)` builds the predicate
 * itself as "the name matches, and test". FileIndex only skips calls that would have answered false.
 */
import type { FileInfo } from '../sources/types.ts';
import type { Extractor } from './types.ts';

export interface FileNames {
  /** exact file names (a path's last component), case-sensitive */
  names?: readonly string[];
  /** file name extensions without the dot, lowercase, matched case-insensitively: "lock" takes "x.lock" and "X.LOCK" */
  extensions?: readonly string[];
  /** beginnings of file names, case-sensitive ("libpython") */
  prefixes?: readonly string[];
  /** directories (root-relative, no trailing "/") whose every file the test is asked about */
  dirs?: readonly string[];
}

/** A fileRequired predicate; one built by `named` carries its names. */
export type FileRequired = ((path: string, info: FileInfo) => boolean) & { readonly fileNames?: FileNames };

interface Compiled {
  names: ReadonlySet<string>;
  extensions: ReadonlySet<string>;
  prefixes: readonly string[];
  dirs: ReadonlySet<string>;
}

function compile(n: FileNames): Compiled {
  for (const e of n.extensions ?? []) {
    if (e !== e.toLowerCase() || e.startsWith('.') || e === '') throw new Error(`file name extension ${JSON.stringify(e)}: lowercase, without the dot`);
  }
  for (const d of n.dirs ?? []) if (d.startsWith('/') || d.endsWith('/')) throw new Error(`directory ${JSON.stringify(d)}: root-relative, without a trailing "/"`);
  return { names: new Set(n.names), extensions: new Set(n.extensions), prefixes: n.prefixes ?? [], dirs: new Set(n.dirs) };
}

/** A set of file name extensions (lowercase, without the dot), listed with spaces. */
export function extensions(list: string): ReadonlySet<string> {
  return new Set(list.split(' '));
}

/**
 * Whether a file name's extension (after its last ".", in any case) is in `set`: what a regular
 * expression `\.(a|b|…)$/i` tells, without scanning the name (asked of every file of a walk).
 */
export function extensionIn(base: string, set: ReadonlySet<string>): boolean {
  const dot = base.lastIndexOf('.');
  return dot >= 0 && set.size > 0 && set.has(base.slice(dot + 1).toLowerCase());
}

function matches(c: Compiled, path: string): boolean {
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  if (c.names.has(base)) return true;
  if (extensionIn(base, c.extensions)) return true;
  for (const p of c.prefixes) if (base.startsWith(p)) return true;
  return c.dirs.size > 0 && c.dirs.has(slash < 0 ? '' : path.slice(0, slash));
}

/** A fileRequired that is true only for files of these names, and then when `test` is. */
export function named(names: FileNames, test: (path: string, info: FileInfo) => boolean = () => true): FileRequired {
  const c = compile(names);
  const f = (path: string, info: FileInfo): boolean => matches(c, path) && test(path, info);
  return Object.assign(f, { fileNames: names });
}

/**
 * Which of a list of extractors want a file, asking only those its name can concern: the
 * extractors with declared names through maps by name, extension, beginning and directory; the
 * others (binaries of any name) always. Answers are those of `extractors.filter((e) =>
 * e.fileRequired(path, info))`, in the list's order; a predicate shared by several extractors (the
 * same function) is asked once.
 */
export class FileIndex {
  private readonly byName = new Map<string, number[]>();
  private readonly byExtension = new Map<string, number[]>();
  private readonly byDir = new Map<string, number[]>();
  private readonly prefixes: [string, number][] = [];
  /** extractors asked of every file, grouped by predicate */
  private readonly always: { test: FileRequired; of: number[] }[] = [];

  constructor(readonly extractors: readonly Extractor[]) {
    const add = (m: Map<string, number[]>, k: string, i: number) => {
      const l = m.get(k);
      if (!l) m.set(k, [i]);
      else if (!l.includes(i)) l.push(i);
    };
    extractors.forEach((e, i) => {
      const n = (e.fileRequired as FileRequired).fileNames;
      if (!n) {
        const g = this.always.find((a) => a.test === e.fileRequired);
        if (g) g.of.push(i);
        else this.always.push({ test: e.fileRequired, of: [i] });
        return;
      }
      for (const k of n.names ?? []) add(this.byName, k, i);
      for (const k of n.extensions ?? []) add(this.byExtension, k, i);
      for (const k of n.dirs ?? []) add(this.byDir, k, i);
      for (const k of n.prefixes ?? []) this.prefixes.push([k, i]);
    });
  }

  /** True when some extractor wants the file (a source's content filter). */
  wants(path: string, info: FileInfo): boolean {
    // (called on an extractor of theirs, as a method is)
    for (const a of this.always) if (a.test.call(this.extractors[a.of[0]], path, info)) return true;
    const c = this.candidates(path);
    if (c === null) return false;
    for (const i of c) if (this.extractors[i].fileRequired(path, info)) return true;
    return false;
  }

  /**
   * The extractors that want the file, in list order. `onError` receives a predicate's exception
   * (that extractor then does not want the file); without it, the exception is thrown.
   */
  wantedBy(path: string, info: FileInfo, onError?: (e: Extractor, err: unknown, path: string) => void): Extractor[] {
    const out: number[] = [];
    const ask = (i: number, test: FileRequired): boolean => {
      try {
        return test.call(this.extractors[i], path, info);
      } catch (err) {
        if (!onError) throw err;
        onError(this.extractors[i], err, path);
        return false;
      }
    };
    for (const a of this.always) {
      if (a.of.length === 1) {
        if (ask(a.of[0], a.test)) out.push(a.of[0]);
        continue;
      }
      // one predicate for several extractors: asked once; an error is each one's
      let yes = false;
      try {
        yes = a.test.call(this.extractors[a.of[0]], path, info);
      } catch (err) {
        if (!onError) throw err;
        for (const i of a.of) onError(this.extractors[i], err, path);
      }
      if (yes) out.push(...a.of);
    }
    const c = this.candidates(path);
    if (c !== null) for (const i of c) if (!out.includes(i) && ask(i, this.extractors[i].fileRequired)) out.push(i);
    if (out.length > 1) out.sort((a, b) => a - b);
    return out.map((i) => this.extractors[i]);
  }

  /** Extractors with declared names that the file's name matches (with repeats), or null for none. */
  private candidates(path: string): number[] | null {
    const slash = path.lastIndexOf('/');
    const base = path.slice(slash + 1);
    let out: number[] | null = null;
    const take = (l: number[] | undefined) => {
      if (l) out = out ? out.concat(l) : l;
    };
    take(this.byName.get(base));
    const dot = base.lastIndexOf('.');
    if (dot >= 0 && this.byExtension.size > 0) take(this.byExtension.get(base.slice(dot + 1).toLowerCase()));
    for (const [p, i] of this.prefixes) if (base.startsWith(p)) take([i]);
    if (this.byDir.size > 0) take(this.byDir.get(slash < 0 ? '' : path.slice(0, slash)));
    return out;
  }
}
