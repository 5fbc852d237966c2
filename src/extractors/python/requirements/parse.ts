/**
 * requirements.txt parser. Format: https://pip.pypa.io/en/stable/reference/requirements-file-format/
 * and PEP 508 (https://peps.python.org/pep-0508/) for each requirement.
 *
 * Only exact pins (`name==1.2.3`, `name===1.2.3`) say what gets installed; every other
 * requirement (ranges, bare names, `==1.*` wildcards, URLs, local paths) is reported as an
 * "unpinned-requirement" problem, not as a package.
 */
import type { Package } from '../../../model/index.ts';
import { isPythonName, pypiPackage, type EntryProblem } from '../common.ts';
import { entry } from '../../entries.ts';

export const FOUND_BY = 'python/requirements';

export interface RequirementsOutput {
  packages: Package[];
  problems: EntryProblem[];
  /** `-r`/`--requirement` targets as written, in order (relative to the file's directory) */
  includes: string[];
}

/** Logical lines: comments removed, backslash continuations joined; with 1-based line numbers. */
export function logicalLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  const physical = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let buf = '';
  let start = 0;
  for (let i = 0; i < physical.length; i++) {
    let l = physical[i];
    // a comment starts at "#" at line start or after whitespace (a URL fragment "#egg=" is not one)
    const hash = l.search(/(^|\s)#/);
    if (hash >= 0) l = l.slice(0, hash);
    if (!buf) start = i + 1;
    if (/\\$/.test(l) && hash < 0) {
      buf += l.slice(0, -1) + ' ';
      continue;
    }
    buf += l;
    if (buf.trim()) out.push({ line: start, text: buf.trim() });
    buf = '';
  }
  if (buf.trim()) out.push({ line: start, text: buf.trim() });
  return out;
}

const OPTION_WITH_VALUE = /^(-i|--index-url|--extra-index-url|-f|--find-links|--trusted-host|--no-binary|--only-binary|--prefer-binary|--use-feature|--config-settings|--global-option|--pre|--require-hashes|--no-index)\b/;

/**
 * Parses one requirements file.
 * @param path the file's path, for messages and Package.locations
 */
export function parseRequirements(text: string, path: string): RequirementsOutput {
  const packages: Package[] = [];
  const problems: EntryProblem[] = [];
  const includes: string[] = [];
  const unpinned = (line: number, req: string, why: string) =>
    problems.push({ rule: 'unpinned-requirement', message: `${path}:${line}: ${JSON.stringify(req)} ${why}; the installed version is unknown` });

  for (const { line, text: l } of logicalLines(text)) {
    const inc = /^(?:-r|--requirement)(?:\s*=\s*|\s+|(?=\S))(\S+)/.exec(l);
    if (inc) {
      includes.push(inc[1]);
      continue;
    }
    // constraints files pin versions but install nothing by themselves
    if (/^(-c|--constraint)\b/.test(l)) continue;
    if (/^(-e|--editable)\b/.test(l)) {
      unpinned(line, l, 'is an editable install');
      continue;
    }
    if (OPTION_WITH_VALUE.test(l) || l.startsWith('-')) continue;
    // per-requirement options (--hash=…) end the requirement
    const reqText = l.split(/\s+--?[a-z]/i)[0].trim();
    // environment markers come after ";"
    const semi = reqText.indexOf(';');
    const spec = (semi >= 0 ? reqText.slice(0, semi) : reqText).trim();
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$/.exec(spec);
    if (!m || !isPythonName(m[1])) {
      unpinned(line, reqText, 'is not a PyPI name and version (a URL or local path)');
      continue;
    }
    const name = m[1];
    let rest = m[3].trim();
    if (rest.startsWith('@')) {
      unpinned(line, reqText, 'is a direct URL reference');
      continue;
    }
    if (rest.startsWith('(') && rest.endsWith(')')) rest = rest.slice(1, -1).trim();
    const specs = rest ? rest.split(',').map((s) => s.trim()).filter(Boolean) : [];
    let version: string | undefined;
    for (const s of specs) {
      const pin = /^(===|==)\s*([^\s*]+)$/.exec(s);
      if (pin && !(pin[1] === '==' && pin[2].endsWith('.*'))) version = pin[2];
    }
    if (version === undefined) {
      unpinned(line, reqText, specs.length ? 'is not pinned with == or ===' : 'has no version');
      continue;
    }
    const pkg = entry(problems, `${path}: ${name}==${version}`, () => pypiPackage({ name, version, location: path, foundBy: FOUND_BY }));
    if (pkg) packages.push(pkg);
  }
  return { packages, problems, includes };
}
