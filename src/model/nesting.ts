/**
 * Nesting depth of parsed JSON/YAML, measured without recursion. JSON.parse itself copes with any
 * depth; what does not are recursive walkers over the result (ours, ajv's compiled validators,
 * deep-equal checks), which overflow the engine's stack at a few thousand levels — less in a
 * worker thread with a small stack. Readers check the depth at the edge and refuse deeper input
 * with a clear error instead.
 */
import { VigilError } from './errors.ts';

/** Deeper than any real lockfile, SBOM, manifest or advisory; far below what recursion tolerates. */
export const MAX_NESTING = 256;

/**
 * The depth of a value: a scalar is 0, `[]` and `{}` are 1, `[[1]]` is 2. Iterative; stops
 * counting once `limit` is exceeded (returns `limit + 1`).
 */
export function nestingDepth(value: unknown, limit = Number.POSITIVE_INFINITY): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    const depth = d + 1;
    if (depth > max) {
      max = depth;
      if (max > limit) return limit + 1;
    }
    if (Array.isArray(v)) for (const x of v) stack.push([x, depth]);
    else if (v instanceof Map) for (const x of v.values()) stack.push([x, depth]);
    else for (const k in v) if (Object.prototype.hasOwnProperty.call(v, k)) stack.push([(v as Record<string, unknown>)[k], depth]);
  }
  return max;
}

/**
 * Refuses a parsed document nested deeper than `limit`.
 * @throws VigilError VIGIL_INVALID_INPUT, rule "nesting-depth", naming `input`
 */
export function checkNesting(value: unknown, input: string, limit = MAX_NESTING): void {
  if (nestingDepth(value, limit) > limit) {
    throw new VigilError('VIGIL_INVALID_INPUT', `${input}: nesting-depth: nested more than ${limit} levels deep`, { input, rule: 'nesting-depth' });
  }
}
