/**
 * package-lock.json / npm-shrinkwrap.json parser (lockfile versions 1, 2 and 3).
 * Format: https://docs.npmjs.com/cli/v10/configuring-npm/package-lock-json
 *
 * - v2 and v3 list every installed folder under `packages`, keyed by its path
 *   ("node_modules/a/node_modules/@s/b"); v2 also keeps the v1 `dependencies` tree for old npm.
 *   When `packages` is present it is authoritative.
 * - v1 has only the nested `dependencies` tree.
 */
import { z } from 'zod';
import type { Package } from '../../../model/index.ts';
import { Interner, licensesOf, looksLikeNpmName, mergePackages, npmPackage, parseError, parseJson, type EntryProblem, type ParseOutput } from '../common.ts';
import { entry } from '../../entries.ts';
import { LeanReader, leanPackages } from './scan.ts';

export const FOUND_BY = 'javascript/package-lock';

const PackagesEntry = z.object({
  name: z.string().optional(),
  version: z.string().optional(),
  resolved: z.string().optional(),
  link: z.boolean().optional(),
  dev: z.boolean().optional(),
  optional: z.boolean().optional(),
  devOptional: z.boolean().optional(),
  peer: z.boolean().optional(),
  inBundle: z.boolean().optional(),
  license: z.unknown().optional(),
});

interface V1Entry {
  version?: unknown;
  dev?: unknown;
  dependencies?: unknown;
}

const Lockfile = z.object({
  lockfileVersion: z.number().int().min(1).optional(),
  packages: z.record(z.string(), z.unknown()).optional(),
  dependencies: z.record(z.string(), z.unknown()).optional(),
});

const NM = 'node_modules/';

/**
 * Parses a package-lock.json (or npm-shrinkwrap.json).
 * @param input the file's bytes (or its text)
 * @param path the file's path, for messages and Package.locations
 * @throws VigilError (VIGIL_INVALID_INPUT, rule "parse-error") when the text is not a lockfile at all
 */
export function parsePackageLock(input: string | Buffer, path: string): ParseOutput {
  // a well-formed v2/v3 lockfile is read entry by entry from its bytes (scan.ts), never held whole
  // as text and objects; anything else is parsed whole, as before, for the same result and messages
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const problems: EntryProblem[] = [];
  const out: Package[] = [];
  const intern = new Interner();
  const lean = leanPackages(bytes, (key, raw) => fromPackageEntry(key, raw, path, problems, out, intern), ENTRY_FIELDS);
  if (lean) return { packages: mergePackages(out, true), problems };
  return parsePackageLockText(typeof input === 'string' ? input : input.toString('utf8'), path);
}

/**
 * parsePackageLock over a file read in pieces (a 200k-package lockfile is then never held whole:
 * only the piece being read and the packages found). Null when the document is not a well-formed
 * v2/v3 lockfile (scan.ts): the caller then parses its whole bytes with parsePackageLock, for the
 * same result and messages; reading stops as soon as that is known.
 * @param pieces the file's bytes in order (ScanFile.chunks)
 * @param path the file's path, for messages and Package.locations
 */
export async function parsePackageLockPieces(pieces: AsyncIterable<Buffer>, path: string): Promise<ParseOutput | null> {
  const problems: EntryProblem[] = [];
  const out: Package[] = [];
  const intern = new Interner();
  const reader = new LeanReader((key, raw) => fromPackageEntry(key, raw, path, problems, out, intern), ENTRY_FIELDS);
  for await (const piece of pieces) {
    reader.feed(piece);
    if (reader.failed) return null;
  }
  return reader.end() ? { packages: mergePackages(out, true), problems } : null;
}

/** parsePackageLock on the whole text at once: for what the lean walk does not take (and to compare with it). */
export function parsePackageLockText(text: string, path: string): ParseOutput {
  const problems: EntryProblem[] = [];
  const out: Package[] = [];
  const intern = new Interner();
  const top = Lockfile.safeParse(parseJson(text, path));
  if (!top.success) throw parseError(path, 'parse-error', `not a package-lock: ${top.error.issues[0]?.path.join('.')}: ${top.error.issues[0]?.message}`);
  const lock = top.data;
  if (lock.lockfileVersion === undefined && !lock.packages && !lock.dependencies) throw parseError(path, 'parse-error', 'not a package-lock: no lockfileVersion, packages or dependencies');
  if (lock.packages) for (const [key, raw] of Object.entries(lock.packages)) fromPackageEntry(key, raw, path, problems, out, intern);
  return { packages: mergePackages(lock.packages ? out : fromDependencies(lock.dependencies ?? {}, path, problems), true), problems };
}

/** The members of a `packages` entry this parser reads (PackagesEntry's). */
const ENTRY_FIELDS = Object.keys(PackagesEntry.shape);

const OPTIONAL_BOOLEANS = ['link', 'dev', 'optional', 'devOptional', 'peer', 'inBundle'] as const;

/** The entry's fields checked by hand (the common case); zod only to word what is wrong. */
function checkedEntry(raw: unknown): z.infer<typeof PackagesEntry> | null {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const e = raw as Record<string, unknown>;
  for (const k of ['name', 'version', 'resolved'] as const) if (e[k] !== undefined && typeof e[k] !== 'string') return null;
  for (const k of OPTIONAL_BOOLEANS) if (e[k] !== undefined && typeof e[k] !== 'boolean') return null;
  return e as z.infer<typeof PackagesEntry>;
}

/** One v2/v3 `packages` member: its key is the install path. */
function fromPackageEntry(key: string, raw: unknown, path: string, problems: EntryProblem[], out: Package[], intern: Interner): void {
  // "" is the root project; keys without node_modules/ are workspace folders (the project's own
  // sources, reached through `link: true` entries), not installed dependencies.
  const at = key.lastIndexOf(NM);
  if (at < 0) return;
  let e = checkedEntry(raw);
  if (!e) {
    const parsed = PackagesEntry.safeParse(raw);
    if (!parsed.success) {
      problems.push({ rule: 'invalid-entry', message: `${path}: packages[${JSON.stringify(key)}]: ${parsed.error.issues[0]?.message}` });
      return;
    }
    e = parsed.data;
  }
  if (e.link) return; // a symlink to a workspace or local folder
  // `name` is set when the folder name differs from the package (npm aliases: "foo": "npm:bar@1").
  const name = e.name ?? key.slice(at + NM.length);
  if (!e.version) {
    problems.push({ rule: 'invalid-entry', message: `${path}: packages[${JSON.stringify(key)}]: no version` });
    return;
  }
  if (!looksLikeNpmName(name)) {
    problems.push({ rule: 'invalid-entry', message: `${path}: packages[${JSON.stringify(key)}]: invalid package name ${JSON.stringify(name)}` });
    return;
  }
  // `dev` is set only for packages needed by devDependencies alone; `devOptional` means "dev or
  // optional", which production installs still install when the optional side is wanted.
  const version = intern.str(e.version);
  const dev = e.dev === true;
  const licenses = licensesOf(e.license);
  const p = entry(problems, `${path}: packages[${JSON.stringify(key)}]`, () => npmPackage({
    name: intern.str(name), version, location: path, locations: intern.list([path]), foundBy: FOUND_BY, dev, ...(licenses ? { licenses: intern.list(licenses) } : {}),
  }));
  if (p) out.push(p);
}

/**
 * v1 `dependencies`: a nested tree keyed by package name, walked depth-first in document order
 * without recursion (a hostile lockfile can nest it thousands of levels deep).
 */
function fromDependencies(deps: Record<string, unknown>, path: string, problems: EntryProblem[]): Package[] {
  const out: Package[] = [];
  const stack: Iterator<[string, unknown]>[] = [Object.entries(deps)[Symbol.iterator]()];
  while (stack.length) {
    const next = stack[stack.length - 1].next();
    if (next.done) { stack.pop(); continue; }
    const [name, raw] = next.value;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      problems.push({ rule: 'invalid-entry', message: `${path}: dependencies[${JSON.stringify(name)}]: not an object` });
      continue;
    }
    const e = raw as V1Entry;
    if (typeof e.version !== 'string' || !e.version) {
      problems.push({ rule: 'invalid-entry', message: `${path}: dependencies[${JSON.stringify(name)}]: no version` });
    } else if (e.version.startsWith('file:') || e.version.startsWith('link:')) {
      // a local folder dependency: the project's own code, not a registry package
    } else {
      // aliases in v1 are written "npm:real-name@1.2.3"
      const alias = /^npm:((?:@[^/@]+\/)?[^@]+)@(.+)$/.exec(e.version);
      const realName = alias ? alias[1] : name;
      const version = alias ? alias[2] : e.version;
      if (looksLikeNpmName(realName)) {
        const p = entry(problems, `${path}: dependencies[${JSON.stringify(name)}]`, () => npmPackage({ name: realName, version, location: path, foundBy: FOUND_BY, dev: e.dev === true }));
        if (p) out.push(p);
      } else problems.push({ rule: 'invalid-entry', message: `${path}: dependencies[${JSON.stringify(name)}]: invalid package name` });
    }
    if (e.dependencies && typeof e.dependencies === 'object' && !Array.isArray(e.dependencies)) {
      stack.push(Object.entries(e.dependencies as Record<string, unknown>)[Symbol.iterator]());
    }
  }
  return out;
}
