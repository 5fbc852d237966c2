/**
 * One bad entry of a lockfile or database is a per-package problem, never a lost file: every
 * extractor builds each entry's package through `entry`, which records what went wrong (an
 * invalid purl, a version its scheme refuses) and lets the loop go on.
 */
import { VigilError } from '../model/index.ts';
import type { ExtractContext } from './types.ts';

/** Where per-entry problems go: a parser's problem list, or ctx.fileErrors through `fileSink`. */
export interface ProblemSink {
  push(p: { rule: string; message: string }): unknown;
}

/** A sink recording into ctx.fileErrors under the file's path. */
export function fileSink(ctx: Pick<ExtractContext, 'fileErrors'>, path: string): ProblemSink {
  return { push: (p) => ctx.fileErrors.push({ path, rule: p.rule, message: p.message }) };
}

/**
 * Runs `build` for one entry. A VigilError is recorded under its rule; any other error (a defect
 * the entry exposed) as "extractor-error"; either way the caller skips the entry and goes on.
 * @param what names the entry in the message ("go.mod: require example.com/x vfoo")
 */
export function entry<T>(problems: ProblemSink, what: string, build: () => T): T | undefined {
  try {
    return build();
  } catch (err) {
    const rule = err instanceof VigilError ? (err.rule ?? 'invalid-entry') : 'extractor-error';
    problems.push({ rule, message: `${what}: ${err instanceof Error ? err.message : String(err)}; entry skipped` });
    return undefined;
  }
}
