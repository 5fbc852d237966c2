import type { ScanResult } from '../../model/index.ts';
import { canonicalPackage, canonicalRest, cmp, packageOrder, sortKeys } from './common.ts';

/**
 * The scan result as JSON: packages and findings in canonical order (see `canonicalize`), object
 * keys sorted, two-space indent, trailing newline — the same scan gives the same bytes.
 * Suppressed findings are included, marked by their `suppressed` field.
 */
export function renderJson(result: ScanResult): string {
  return [...renderJsonChunks(result)].join('');
}

/**
 * renderJson's text in pieces, the same bytes as `JSON.stringify(sortKeys(canonicalize(result)),
 * null, 2)` and a newline: the packages (and findings) are rendered one at a time from the result
 * as it is, so a 200k-package report never exists as one string nor as a sorted copy.
 */
export function* renderJsonChunks(result: ScanResult): Generator<string> {
  const order = packageOrder(result.packages);
  const rest = canonicalRest(result, order) as unknown as Record<string, unknown>;
  let first = true;
  for (const key of Object.keys(rest).sort(cmp)) {
    const v = rest[key];
    if (v === undefined) continue;
    yield `${first ? '{' : ','}\n  ${JSON.stringify(key)}: `;
    first = false;
    if (key === 'packages') yield* arrayChunks(order.length, (i) => canonicalPackage(result.packages[order[i]]));
    else if (Array.isArray(v)) yield* arrayChunks(v.length, (i) => v[i]);
    else yield indented(v, '\n  ');
  }
  yield first ? '{}\n' : '\n}\n';
}

/** `value` as JSON.stringify(sortKeys(value), null, 2) writes it nested at `pad` ("\n" and spaces). */
function indented(value: unknown, pad: string): string {
  const s = JSON.stringify(sortKeys(value), null, 2) ?? 'null';
  // a string in JSON holds no raw newline: every "\n" is the layout's
  return s.includes('\n') ? s.replaceAll('\n', pad) : s;
}

/** A top-level array's items, one chunk each. */
function* arrayChunks(n: number, item: (i: number) => unknown): Generator<string> {
  if (n === 0) {
    yield '[]';
    return;
  }
  for (let i = 0; i < n; i++) yield `${i === 0 ? '[' : ','}\n    ${indented(item(i), '\n    ')}`;
  yield '\n  ]';
}
