/**
 * Composer (Packagist) versions and constraints.
 *
 * - Normalisation follows Composer's VersionParser::normalize
 *   (https://github.com/composer/semver/blob/main/src/VersionParser.php): `v1.2` → `1.2.0.0`,
 *   `1.2.3.4`, `1.0-beta2` → `1.0.0.0-beta2`, `1.0.0-pl1` → `1.0.0.0-patch1`, `2.x-dev` → `2.9999999.9999999.9999999-dev`,
 *   date versions `20240101` → `20240101`.
 * - Order is PHP's version_compare on the normalised strings, as Composer's Constraint does:
 *   dev < alpha = a < beta = b < RC = rc < (release) < patch = pl = p.
 * - Constraints (https://getcomposer.org/doc/articles/versions.md): `^1.2`, `~1.2`, `1.2.*`,
 *   `>=1.0 <2.0` and `>=1.0,<2.0` (AND), `||` and `|` (OR), hyphen ranges `1.0 - 2.0`, `*`.
 *
 * Branch names (`dev-main`) have no order and are rejected as versions.
 */
import { InvalidVersionError } from '../../model/index.ts';
import type { Version, VersionScheme } from '../types.ts';

export interface ComposerVersion extends Version {
  /** Composer's normalised form: "1.2.0.0", "1.0.0.0-beta2", "1.9999999.9999999.9999999-dev" */
  readonly normalized: string;
  /** "stable" | "RC" | "beta" | "alpha" | "dev" (VersionParser::parseStability) */
  readonly stability: string;
}

const MODIFIER = '[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\\d+)*+)?)?([.-]?dev)?';
// JS has no possessive quantifiers; the plain forms match the same strings here
const MODIFIER_JS = MODIFIER.replace(/\*\+/g, '*');
const CLASSICAL = new RegExp(`^v?(\\d{1,5})(\\.\\d+)?(\\.\\d+)?(\\.\\d+)?${MODIFIER_JS}$`, 'i');
const DATETIME = new RegExp(`^v?(\\d{4}(?:[.:-]?\\d{2}){1,6}(?:[.:-]?\\d{1,3}){0,2})${MODIFIER_JS}$`, 'i');
const STABILITY_FLAG = /@(?:stable|RC|beta|alpha|dev)$/i;

function expandStability(s: string): string {
  switch (s.toLowerCase()) {
    case 'a':
      return 'alpha';
    case 'b':
      return 'beta';
    case 'p':
    case 'pl':
      return 'patch';
    case 'rc':
      return 'RC';
    default:
      return s.toLowerCase();
  }
}

/** VersionParser::normalizeBranch for numeric branches: "2.1.x" → "2.1.9999999.9999999-dev". */
function normalizeNumericBranch(name: string): string | undefined {
  const m = /^v?(\d+)(\.(?:\d+|[xX*]))?(\.(?:\d+|[xX*]))?(\.(?:\d+|[xX*]))?$/i.exec(name.trim());
  if (!m) return undefined;
  let v = '';
  for (let i = 1; i < 5; i++) v += m[i] !== undefined ? m[i].replace(/[*X]/g, 'x') : '.x';
  return `${v.replace(/x/g, '9999999')}-dev`;
}

/**
 * VersionParser::normalize, minus branch names.
 * @throws InvalidVersionError naming the input and the rule it broke
 */
export function normalizeComposerVersion(input: string): string {
  const bad = (rule: string): never => {
    throw new InvalidVersionError('Composer', input, rule);
  };
  let v = input.trim();
  if (v === '') bad('empty version');
  // strip aliasing ("1.0 as 2.0") and a stability flag ("1.0@beta")
  const alias = /^([^,\s]+) +as +([^,\s]+)$/.exec(v);
  if (alias) v = alias[1];
  v = v.replace(STABILITY_FLAG, '');
  if (['master', 'trunk', 'default'].includes(v) || v.toLowerCase().startsWith('dev-')) {
    bad('branch names (dev-*) have no version order');
  }
  // strip build metadata
  const build = /^([^,\s+]+)\+\S+$/.exec(v);
  if (build) v = build[1];
  let m = CLASSICAL.exec(v);
  let out: string | undefined;
  let idx = 0;
  if (m) {
    out = m[1] + (m[2] ?? '.0') + (m[3] ?? '.0') + (m[4] ?? '.0');
    idx = 5;
  } else if ((m = DATETIME.exec(v))) {
    out = m[1].replace(/\D/g, '.');
    idx = 2;
  }
  if (m && out !== undefined) {
    if (m[idx]) {
      if (m[idx].toLowerCase() === 'stable') return out;
      out += `-${expandStability(m[idx])}${m[idx + 1] ? m[idx + 1].replace(/^[.-]+/, '') : ''}`;
    }
    if (m[idx + 2]) out += '-dev';
    return out;
  }
  // numeric dev branches: "2.x-dev", "1.0.x-dev"
  const dev = /^(.*?)[.-]?dev$/i.exec(v);
  if (dev) {
    const branch = normalizeNumericBranch(dev[1]);
    if (branch) return branch;
  }
  return bad('not a Composer version (e.g. 1.2.3, v1.2, 1.0.0-beta2, 1.0.0-pl1, 2.x-dev)');
}

/** VersionParser::parseStability on a normalised version. */
function stabilityOf(normalized: string): string {
  if (/-dev$/i.test(normalized) || normalized.startsWith('dev-')) return 'dev';
  const m = /-(stable|beta|b|RC|alpha|a|patch|pl|p)(?:[.-]?\d+)*$/i.exec(normalized);
  if (!m) return 'stable';
  const s = expandStability(m[1]);
  return s === 'patch' ? 'stable' : s;
}

// ---- PHP version_compare (ext/standard/versioning.c) ----

/** php_canonicalize_version: "-", "_", "+" become "."; a "." goes between digits and non-digits. */
function phpCanonicalize(version: string): string {
  if (version.length === 0) return '';
  const isDig = (c: string): boolean => c >= '0' && c <= '9';
  const isNdig = (c: string): boolean => !isDig(c) && c !== '.';
  let out = version[0];
  let lp = version[0];
  for (let i = 1; i < version.length; i++) {
    const c = version[i];
    const last = out[out.length - 1];
    if (c === '-' || c === '_' || c === '+') {
      if (last !== '.') out += '.';
    } else if ((isNdig(lp) && isDig(c)) || (isDig(lp) && isNdig(c))) {
      if (last !== '.') out += '.';
      out += c;
    } else if (!/[0-9A-Za-z]/.test(c)) {
      if (last !== '.') out += '.';
    } else {
      out += c;
    }
    lp = c;
  }
  return out;
}

const SPECIAL_FORMS: [string, number][] = [
  ['dev', 0],
  ['alpha', 1],
  ['a', 1],
  ['beta', 2],
  ['b', 2],
  ['RC', 3],
  ['rc', 3],
  ['#', 4],
  ['pl', 5],
  ['p', 5],
];

function specialForm(form: string): number {
  // strncmp(form, name, strlen(name)): a prefix match, first hit wins
  for (const [name, order] of SPECIAL_FORMS) if (form.startsWith(name)) return order;
  return -1;
}

function compareSpecial(a: string, b: string): number {
  return Math.sign(specialForm(a) - specialForm(b));
}

function isDigitStart(s: string): boolean {
  return s.length > 0 && s[0] >= '0' && s[0] <= '9';
}

/** strtol on a digit string; bigint so that long date versions compare exactly */
function num(s: string): bigint {
  const m = /^[0-9]+/.exec(s);
  return BigInt(m ? m[0] : '0');
}

/** php_version_compare, following the C control flow (including its treatment of "#N#"). */
export function phpVersionCompare(orig1: string, orig2: string): number {
  if (orig1 === '' || orig2 === '') {
    if (orig1 === '' && orig2 === '') return 0;
    return orig1 !== '' ? 1 : -1;
  }
  const v1 = orig1[0] === '#' ? orig1 : phpCanonicalize(orig1);
  const v2 = orig2[0] === '#' ? orig2 : phpCanonicalize(orig2);
  const p1 = v1.split('.');
  const p2 = v2.split('.');
  let i1 = 0;
  let i2 = 0;
  let compare = 0;
  // the C loop: walk both strings component by component while each component is non-empty and
  // both strings still had a "." after the previous component
  let more1 = true;
  let more2 = true;
  while (p1[i1] !== '' && p2[i2] !== '' && more1 && more2) {
    const a = p1[i1];
    const b = p2[i2];
    more1 = i1 < p1.length - 1;
    more2 = i2 < p2.length - 1;
    if (isDigitStart(a) && isDigitStart(b)) {
      const x = num(a);
      const y = num(b);
      compare = x < y ? -1 : x > y ? 1 : 0;
    } else if (!isDigitStart(a) && !isDigitStart(b)) {
      compare = compareSpecial(a, b);
    } else if (isDigitStart(a)) {
      compare = compareSpecial('#N#', b);
    } else {
      compare = compareSpecial(a, '#N#');
    }
    if (compare !== 0) break;
    if (more1) i1++;
    if (more2) i2++;
  }
  if (compare === 0) {
    if (more1) {
      const rest = p1.slice(i1).join('.');
      compare = isDigitStart(rest) ? 1 : phpVersionCompare(rest, '#N#');
    } else if (more2) {
      const rest = p2.slice(i2).join('.');
      compare = isDigitStart(rest) ? -1 : phpVersionCompare('#N#', rest);
    }
  }
  return compare;
}

/**
 * Parses a Composer version into its normalised form.
 * @throws InvalidVersionError for branch names and strings Composer cannot normalise
 */
export function parseComposerVersion(input: string): ComposerVersion {
  const normalized = normalizeComposerVersion(input);
  return { raw: input, normalized, stability: stabilityOf(normalized) };
}

export function compareComposerParsed(a: ComposerVersion, b: ComposerVersion): number {
  return phpVersionCompare(a.normalized, b.normalized);
}

export const composerScheme: VersionScheme<ComposerVersion> = {
  id: 'composer',
  parse: parseComposerVersion,
  compare: compareComposerParsed,
};

/**
 * Compares two Composer versions.
 * @throws InvalidVersionError when either cannot be normalised
 */
export function compareComposer(a: string, b: string): number {
  return compareComposerParsed(parseComposerVersion(a), parseComposerVersion(b));
}

// ---- constraints ----

export type ComposerOperator = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** One comparison against a normalised version, as Composer's Constraint holds it. */
export interface ComposerAtom {
  readonly op: ComposerOperator;
  /** normalised bound, e.g. "2.0.0.0-dev" for `<2.0` */
  readonly version: string;
}

/** A parsed constraint in disjunctive normal form: any `anyOf` entry whose atoms all hold. */
export interface ComposerConstraint {
  readonly raw: string;
  readonly anyOf: readonly (readonly ComposerAtom[])[];
  contains(version: ComposerVersion | string): boolean;
}

function atomHolds(a: ComposerAtom, v: string): boolean {
  const c = phpVersionCompare(v, a.version);
  switch (a.op) {
    case '==':
      return c === 0;
    case '!=':
      return c !== 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
  }
}

/** Splits "1.2.3" style input into numeric parts for ^, ~, wildcard and hyphen expansion. */
function numericParts(spec: string, s: string): { parts: number[]; suffix: string } {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?(.*)$/i.exec(s);
  if (!m) throw new InvalidVersionError('Composer', spec, `constraint: ${JSON.stringify(s)} is not a version`);
  const parts = [m[1], m[2], m[3], m[4]].filter((x) => x !== undefined).map(Number);
  return { parts, suffix: m[5] };
}

function bound(parts: number[], pos: number, bump: boolean): string {
  const p = [...parts, 0, 0, 0, 0].slice(0, 4);
  if (bump) {
    p[pos] += 1;
    for (let i = pos + 1; i < 4; i++) p[i] = 0;
  }
  return p.join('.');
}

function parseAtom(spec: string, c: string): ComposerAtom[] {
  const s = c.replace(STABILITY_FLAG, '');
  if (/^v?[xX*](\.[xX*])*$/.test(s)) return [];
  const bad = (rule: string): never => {
    throw new InvalidVersionError('Composer', spec, `constraint: ${rule}`);
  };
  if (s.startsWith('^')) {
    // ^1.2.3 → >=1.2.3.0-dev <2.0.0.0-dev; ^0.3 → <0.4; ^0.0.3 → <0.0.4
    const { parts } = numericParts(spec, s.slice(1));
    let pos = parts.findIndex((x) => x !== 0);
    if (pos < 0) pos = parts.length - 1;
    const lower = normalizeLower(spec, s.slice(1));
    return [
      { op: '>=', version: lower },
      { op: '<', version: `${bound(parts, pos, true)}-dev` },
    ];
  }
  if (s.startsWith('~') && !s.startsWith('~>')) {
    // ~1.2 → >=1.2.0.0-dev <2.0.0.0-dev; ~1.2.3 → <1.3.0.0-dev
    const { parts } = numericParts(spec, s.slice(1));
    const pos = Math.max(0, parts.length - 2);
    return [
      { op: '>=', version: normalizeLower(spec, s.slice(1)) },
      { op: '<', version: `${bound(parts, pos, true)}-dev` },
    ];
  }
  const wild = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?\.[xX*]$/.exec(s);
  if (wild) {
    const parts = [wild[1], wild[2], wild[3]].filter((x) => x !== undefined).map(Number);
    const lower = `${bound(parts, 0, false)}-dev`;
    return [
      { op: '>=', version: lower },
      { op: '<', version: `${bound(parts, parts.length - 1, true)}-dev` },
    ];
  }
  const m = /^(<>|!=|>=?|<=?|==?)?\s*(.+)$/.exec(s);
  if (!m) return bad(`cannot read ${JSON.stringify(c)}`);
  const op0 = m[1] ?? '=';
  const op: ComposerOperator = op0 === '=' ? '==' : op0 === '<>' ? '!=' : (op0 as ComposerOperator);
  let version = normalizeComposerVersion(m[2]);
  // Composer appends -dev to the bound of "<x" and ">=x" when x has no stability suffix, so that
  // "<2.0" excludes 2.0's pre-releases and ">=1.0" includes 1.0's
  if ((op === '<' || op === '>=') && !new RegExp(`-${MODIFIER_JS}$`, 'i').test(m[2].toLowerCase())) version += '-dev';
  return [{ op, version }];
}

/** The lower bound for ^ and ~: the version with -dev added unless it has a stability suffix. */
function normalizeLower(spec: string, s: string): string {
  const n = normalizeComposerVersion(s);
  return stabilityOf(n) === 'stable' && !/-patch/i.test(n) ? `${n}-dev` : n;
}

/**
 * Parses a Composer constraint as `composer.json` and advisories write it.
 * @throws InvalidVersionError naming the constraint and the rule it broke
 */
export function parseComposerConstraint(spec: string): ComposerConstraint {
  const text = spec.trim();
  if (text === '') throw new InvalidVersionError('Composer', spec, 'constraint: empty constraint');
  const anyOf: ComposerAtom[][] = [];
  for (const orPart of text.split(/\s*\|\|?\s*/)) {
    if (orPart === '') throw new InvalidVersionError('Composer', spec, 'constraint: empty alternative around "|"');
    // hyphen range "1.0 - 2.0": upper partial → < next, full → <=
    const hy = /^(\S+)\s+-\s+(\S+)$/.exec(orPart);
    if (hy) {
      const lower = normalizeLower(spec, hy[1]);
      const { parts } = numericParts(spec, hy[2]);
      const upper: ComposerAtom =
        parts.length < 3 && !/-|[a-z]/i.test(hy[2].replace(/^v/i, ''))
          ? { op: '<', version: `${bound(parts, parts.length - 1, true)}-dev` }
          : { op: '<=', version: normalizeComposerVersion(hy[2]) };
      anyOf.push([{ op: '>=', version: lower }, upper]);
      continue;
    }
    // AND: "," or whitespace, but not the space between an operator and its version
    const ands = orPart
      .replace(/(<>|!=|>=?|<=?|==?|\^|~)\s+/g, '$1')
      .split(/\s*,\s*|\s+/)
      .filter((x) => x !== '');
    if (ands.length === 0) throw new InvalidVersionError('Composer', spec, 'constraint: empty constraint');
    anyOf.push(ands.flatMap((c) => parseAtom(spec, c)));
  }
  return {
    raw: spec,
    anyOf,
    contains(version) {
      const v = typeof version === 'string' ? parseComposerVersion(version) : version;
      return anyOf.some((all) => all.every((a) => atomHolds(a, v.normalized)));
    },
  };
}
