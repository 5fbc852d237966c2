import type { ScanResult } from '../../model/index.ts';
import { canonicalize, sortKeys } from './common.ts';

/**
 * The scan result as JSON: packages and findings in canonical order (see `canonicalize`), object
 * keys sorted, two-space indent, trailing newline — the same scan gives the same bytes.
 * Suppressed findings are included, marked by their `suppressed` field.
 */
export function renderJson(result: ScanResult): string {
  return `${JSON.stringify(sortKeys(canonicalize(result)), null, 2)}\n`;
}
