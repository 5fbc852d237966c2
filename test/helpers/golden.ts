/**
 * Golden files: a test's expected output, kept in the repository. A golden file that differs or is
 * missing is a failure; `UPDATE_GOLDEN=1` (re)writes them instead, to be reviewed before committing.
 * A missing one is never written silently: a test that creates its own expectation passes by
 * definition. (src/integrations/testutil.ts checkGolden follows the same rule for its files.)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** undefined when `actual` is what the golden file at `path` holds (or `update` wrote it); otherwise why not. */
export function goldenMismatch(path: string, actual: string, update = process.env.UPDATE_GOLDEN === '1'): string | undefined {
  if (update) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return undefined;
  }
  if (!existsSync(path)) return `golden file ${path} is missing (UPDATE_GOLDEN=1 writes it; review it before committing)`;
  if (readFileSync(path, 'utf8') !== actual) return `differs from ${path} (UPDATE_GOLDEN=1 to refresh, then review)`;
  return undefined;
}
