/**
 * Installed Python distributions: `*.dist-info/METADATA` (wheels, PEP 376/627),
 * `*.egg-info/PKG-INFO` and `EGG-INFO/PKG-INFO` (setuptools), and single-file `*.egg-info`
 * (distutils). All are "core metadata" in RFC 822 header form:
 * https://packaging.python.org/en/latest/specifications/core-metadata/
 */
import type { Package } from '../../../model/index.ts';
import { isPythonName, parseError, pypiPackage, type ParseOutput } from '../common.ts';

export const FOUND_BY = 'python/dist-info';

/** True for the metadata files this extractor reads. */
export function isDistMetadata(path: string): boolean {
  return /\.dist-info\/METADATA$/.test(path) || /(\.egg-info|(^|\/)EGG-INFO)\/PKG-INFO$/.test(path) || /[^/]\.egg-info$/.test(path);
}

/** The header block (up to the first blank line), continuation lines folded; repeated headers kept in order. */
export function parseHeaders(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let last: string | undefined;
  for (const line of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    if (line === '') break; // the body (long description) follows
    if (/^[ \t]/.test(line)) {
      if (last) {
        const vals = out.get(last)!;
        vals[vals.length - 1] += '\n' + line.trim();
      }
      continue;
    }
    const c = line.indexOf(':');
    if (c <= 0) continue;
    last = line.slice(0, c).trim().toLowerCase();
    // appended in place: copying the list per line made 60,000 repeated headers take half a minute
    const vals = out.get(last);
    if (vals) vals.push(line.slice(c + 1).trim());
    else out.set(last, [line.slice(c + 1).trim()]);
  }
  return out;
}

/**
 * Parses one core-metadata file. The name is kept as written (`PyYAML`); the purl uses the
 * PEP 503 normalized name (`pkg:pypi/pyyaml@6.0`).
 * @throws VigilError (VIGIL_INVALID_INPUT, rule "missing-field" or "parse-error") without a valid Name and Version
 */
export function parseDistMetadata(text: string, path: string): ParseOutput {
  if (text.includes('\u0000')) throw parseError(path, 'parse-error', 'binary data, not core metadata');
  const h = parseHeaders(text);
  const name = h.get('name')?.[0];
  const version = h.get('version')?.[0];
  if (!name || !version) throw parseError(path, 'missing-field', `core metadata needs Name and Version (found ${[name && 'Name', version && 'Version'].filter(Boolean).join(', ') || 'neither'})`);
  if (!isPythonName(name)) throw parseError(path, 'parse-error', `invalid distribution name ${JSON.stringify(name)}`);
  const pkg: Package = pypiPackage({ name, version, location: path, foundBy: FOUND_BY, licenses: licenses(h) });
  return { packages: [pkg], problems: [] };
}

/** License-Expression (metadata 2.4), else a one-line License field that is not "UNKNOWN". */
function licenses(h: Map<string, string[]>): string[] | undefined {
  const expr = h.get('license-expression')?.[0];
  if (expr) return [expr];
  const lic = h.get('license')?.[0];
  if (lic && !lic.includes('\n') && lic.length <= 100 && lic.toUpperCase() !== 'UNKNOWN') return [lic];
  return undefined;
}
