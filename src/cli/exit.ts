import { VigilError } from '../model/errors.ts';

/**
 * Exit codes, stable for scripts: 0 success; 1 an error stopped the command; 2 bad usage;
 * 3 done, but some inputs were skipped (with --strict, or a partial scan with --fail-on-partial) or some
 * sources failed; 4 not found; 5 `vigil gate`: the policy denies the image.
 */
export const EXIT = { OK: 0, ERROR: 1, USAGE: 2, PARTIAL: 3, NOT_FOUND: 4, DENIED: 5 } as const;

/**
 * Reads a file named on the command line. Absent is VIGIL_NOT_FOUND (exit 4); a directory or an
 * unreadable file is VIGIL_INVALID_INPUT; never a raw ENOENT.
 * @throws VigilError naming the path and what it was for ("SBOM", "ignore file")
 */
export async function readInputFile(path: string, what: string): Promise<Buffer> {
  const { readFile } = await import('node:fs/promises');
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new VigilError('VIGIL_NOT_FOUND', `${what} ${path}: no such file`, { input: path, rule: 'not-found', cause: err });
    throw new VigilError('VIGIL_INVALID_INPUT', `${what} ${path}: cannot be read (${code === 'EISDIR' ? 'a directory' : (code ?? (err as Error).message)})`, { input: path, rule: 'unreadable', cause: err });
  }
}

/** The exit code for an error that stopped a command. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof VigilError) return err.code === 'VIGIL_NOT_FOUND' ? EXIT.NOT_FOUND : err.code === 'VIGIL_CONFIG' ? EXIT.USAGE : EXIT.ERROR;
  return EXIT.ERROR;
}

/**
 * The one line a user sees for an error that stopped a command: a VigilError's message and code;
 * anything else as an unexpected error with a hint. Stacks are for debug logs (-v) only.
 */
export function describeError(err: unknown, verbose: boolean): string {
  const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ').trim();
  if (err instanceof VigilError) return `vigil: ${oneLine(err.message)} [${err.code}]\n`;
  const msg = err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
  const detail = verbose && err instanceof Error && err.stack ? `\n${err.stack}\n` : '';
  return `vigil: unexpected error: ${oneLine(msg) || 'unknown'}${verbose ? '' : ' (run with -v for details)'}\n${detail}`;
}
