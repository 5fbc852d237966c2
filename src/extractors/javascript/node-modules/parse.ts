/**
 * Installed npm packages: the package.json manifest of each folder under node_modules.
 * Manifest fields: https://docs.npmjs.com/cli/v10/configuring-npm/package-json
 */
import type { Package } from '../../../model/index.ts';
import { licensesOf, looksLikeNpmName, npmPackage, parseError, parseJson, type ParseOutput } from '../common.ts';

export const FOUND_BY = 'javascript/node-modules';

/**
 * True for `…/node_modules/<name>/package.json` and `…/node_modules/@scope/<name>/package.json`
 * (any nesting depth). Not for files deeper inside a package (`lodash/fp/package.json`, test
 * fixtures) nor npm/pnpm bookkeeping folders (`.bin`, `.pnpm`, `.cache`) themselves.
 */
export function isInstalledManifest(path: string): boolean {
  // asked of every file of a walk: the cheap test first, the split only for package.json files
  if (!path.endsWith('/package.json')) return false;
  const segs = path.split('/');
  const n = segs.length;
  if (n < 3 || segs[n - 1] !== 'package.json') return false;
  if (segs[n - 3] === 'node_modules') return okName(segs[n - 2]) && !segs[n - 2].startsWith('@');
  return n >= 4 && segs[n - 4] === 'node_modules' && segs[n - 3].startsWith('@') && segs[n - 3].length > 1 && okName(segs[n - 2]);
}

const okName = (s: string) => s.length > 0 && !s.startsWith('.') && !s.startsWith('_');

/**
 * Parses one installed package.json. Files that are not package manifests (no string name and
 * version, e.g. `{"type":"module"}` markers) and `private` packages yield nothing, silently.
 * @throws VigilError (VIGIL_INVALID_INPUT, rule "parse-error") when the text is not JSON
 */
export function parseInstalledManifest(text: string, path: string): ParseOutput {
  const doc = parseJson(text, path);
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw parseError(path, 'parse-error', 'package.json is not a JSON object');
  const m = doc as Record<string, unknown>;
  if (typeof m.name !== 'string' || typeof m.version !== 'string' || !m.name || !m.version) return { packages: [], problems: [] };
  if (m.private === true) return { packages: [], problems: [] };
  if (!looksLikeNpmName(m.name)) return { packages: [], problems: [{ rule: 'invalid-entry', message: `${path}: invalid package name ${JSON.stringify(m.name)}` }] };
  const pkg: Package = npmPackage({ name: m.name, version: m.version, location: path, foundBy: FOUND_BY, licenses: licensesOf(m.license ?? m.licenses) });
  return { packages: [pkg], problems: [] };
}
