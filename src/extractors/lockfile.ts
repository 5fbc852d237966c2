/**
 * Shared by the simple lockfile extractors (dart/pubspec-lock, elixir/mix-lock, swift/*, conan,
 * …): run a pure parser over one file, record its problems under the file's path, build each
 * entry's package through `entry`, and never let a bad file throw out of the scan.
 *
 * Packages that do not come from their ecosystem's registry (a git checkout, a local path, an SDK
 * bundle) are still listed, with a purl qualifier saying where they came from (purl-spec's
 * `vcs_url` for version control, `download_url` otherwise). Matching skips such packages with that
 * reason: registry advisories describe the registry's releases, not a fork or a local copy that
 * happens to share the name (src/matching/targets.ts, `notFromRegistry`).
 */
import { VigilError, type Package } from '../model/index.ts';
import { entry, fileSink } from './entries.ts';
import type { ExtractContext, ScanFile } from './types.ts';

/** Where a non-registry package came from. */
export interface NonRegistrySource {
  kind: 'git' | 'path' | 'sdk' | 'url';
  /** git/url: the repository or download URL; path: the path as written; sdk: the SDK's name */
  where: string;
  /** git: the commit (or tag/branch) the lockfile pins */
  ref?: string;
}

/** One locked package, before it becomes a Package. */
export interface LockEntry {
  name: string;
  version: string;
  dev?: boolean;
  /** absent: from the ecosystem's registry */
  source?: NonRegistrySource;
}

export interface EntryProblem { rule: string; message: string }

export interface LockParse {
  entries: LockEntry[];
  problems: EntryProblem[];
}

/** The purl qualifiers that say a package is not its registry's release (purl-spec qualifiers). */
export function sourceQualifiers(src: NonRegistrySource | undefined): Record<string, string> | undefined {
  if (!src) return undefined;
  switch (src.kind) {
    case 'git':
      return { vcs_url: `git+${src.where}${src.ref ? `@${src.ref}` : ''}` };
    case 'url':
      return { download_url: src.where };
    case 'path':
      return { download_url: `file:${src.where}` };
    case 'sdk':
      return { download_url: `sdk:${src.where}` };
  }
}

/** A VigilError for a file that is not the format it claims to be (rule "parse-error"). */
export function parseError(path: string, why: string, cause?: unknown): VigilError {
  return new VigilError('VIGIL_INVALID_INPUT', `${path}: ${why}`, { input: path, rule: 'parse-error', cause });
}

/**
 * Reads one file, parses it with `parse`, records problems and builds packages (one per
 * name+version+source; repeats dropped).
 * @param parse pure; may throw (a VigilError's rule is kept, anything else is "parse-error")
 */
export async function extractLock(
  file: ScanFile, ctx: ExtractContext, parse: (text: string, path: string) => LockParse, build: (e: LockEntry, path: string) => Package,
): Promise<Package[]> {
  const path = file.info.path;
  let r: LockParse;
  try {
    r = parse((await file.read()).toString('utf8'), path);
  } catch (e) {
    const rule = e instanceof VigilError && e.rule ? e.rule : 'parse-error';
    const msg = e instanceof Error ? e.message : String(e);
    ctx.fileErrors.push({ path, rule, message: msg.startsWith(path) ? msg : `${path}: ${msg}` });
    return [];
  }
  const sink = fileSink(ctx, path);
  for (const p of r.problems) sink.push(p);
  const seen = new Set<string>();
  const out: Package[] = [];
  for (const e of r.entries) {
    const key = `${e.name}\u0000${e.version}\u0000${e.source ? `${e.source.kind}:${e.source.where}@${e.source.ref ?? ''}` : ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const pkg = entry(sink, `${path}: ${e.name}@${e.version}`, () => build(e, path));
    if (pkg) out.push(pkg);
  }
  return out;
}

/** Bounded JSON.parse for lockfiles: a clear parse error naming the file. */
export function parseJsonLock(text: string, path: string, what: string): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw parseError(path, `not a ${what}: not JSON (${(e as Error).message})`, e);
  }
}

export const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
