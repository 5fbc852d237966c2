/**
 * The advisory and enrichment formats Vigil imports, listed explicitly (no registration by import
 * side effect). Order matters: an entry goes to the first format whose `detect` claims it, so the
 * specific formats come first and OSV JSON, the fallback for JSON objects, comes last.
 */
import { alpineSecdbFormat } from './alpine/index.ts';
import { debianDsaListFormat, debianTrackerJsonFormat } from './debian/index.ts';
import { enrichFormats } from './enrich/index.ts';
import { nativeFormats } from './native/index.ts';
import { osvFormat } from './osv/index.ts';
import type { AdvisoryFormat } from './types.ts';

export type { AdvisoryFormat, FormatEntry, FormatError, FormatOutput } from './types.ts';
export { osvFormat } from './osv/index.ts';

export const defaultFormats: readonly AdvisoryFormat[] = [
  debianDsaListFormat,
  debianTrackerJsonFormat,
  alpineSecdbFormat,
  ...nativeFormats,
  ...enrichFormats,
  osvFormat,
];

/** Formats whose many small files make one source per directory (not one per file). */
export function groupsByDirectory(format: AdvisoryFormat): boolean {
  return format.name === 'osv' || format.name.startsWith('native/');
}
