/**
 * CVSS vectors: strict validation and base scores for CVSS 2.0, 3.0, 3.1 and 4.0.
 *
 * Scores come from `ae-cvss-calculator` (FIRST's equations for every version). That library is
 * lenient — it ignores duplicates, accepts missing base metrics (score 0) and long value names — so
 * the vector is checked here first, against the library's own metric tables plus the rules of the
 * specifications:
 * - v2: https://www.first.org/cvss/v2/guide (section 2.4, vectors have no prefix)
 * - v3.0: https://www.first.org/cvss/v3.0/specification-document (section 6)
 * - v3.1: https://www.first.org/cvss/v3.1/specification-document (section 6)
 * - v4.0: https://www.first.org/cvss/v4.0/specification-document (section 7)
 */
import { createRequire } from 'node:module';
import type calcType from 'ae-cvss-calculator';
import { VigilError } from './errors.ts';

export type CvssVersion = '2.0' | '3.0' | '3.1' | '4.0';
export type CvssSeverity = 'NONE' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

export interface CvssScore {
  version: CvssVersion;
  /** base score, 0.0–10.0 (for 4.0: CVSS-B, the score of the base metrics only) */
  baseScore: number;
  /** severityFromScore(baseScore) */
  severity: CvssSeverity;
}

/**
 * The calculator, loaded with the first vector scored: evaluating its 210 KB bundle costs ~20 ms
 * CPU, which every process importing the model (the isolated scan process among them) paid at
 * start although only findings are scored. The package is a UMD bundle (module.exports holds the
 * classes). In Vigil's bundle the package is left in node_modules (scripts/bundle-options.mjs: its
 * text is not compiled by every scan thread) and the bundle's `require` loads it at this call; from
 * the TypeScript sources (ESM, no `require`) through createRequire.
 */
function calculator(): typeof calcType {
  return (typeof require === 'function' ? require('ae-cvss-calculator') : createRequire(import.meta.url)('ae-cvss-calculator')) as typeof calcType;
}

interface CvssImpl {
  applyComponentString(metric: string, value: string): boolean;
  isBaseFullyDefined(): boolean;
  calculateScores(): { base?: number; baseMetricsOnly?: number; overall: number };
  getRegisteredComponents(): Map<{ name: string }, { shortName: string; values: { shortName: string }[] }[]>;
}

interface VersionInfo {
  version: CvssVersion;
  create: () => CvssImpl;
  /** metric → allowed value abbreviations (from the library's tables) */
  metrics: Map<string, Set<string>>;
  /** base metrics: all required, none may be "not defined" */
  base: string[];
  /** the library's "not defined" value for this version */
  notDefined: string;
}

function versionInfo(version: CvssVersion, create: () => CvssImpl, notDefined: string): VersionInfo {
  const metrics = new Map<string, Set<string>>();
  const base: string[] = [];
  for (const [category, components] of create().getRegisteredComponents()) {
    for (const c of components) {
      metrics.set(c.shortName, new Set(c.values.map((v) => v.shortName)));
      if (category.name === 'base') base.push(c.shortName);
    }
  }
  if (version === '4.0') {
    // The library lets SC/SI/SA take "S" (Safety); the 4.0 spec allows S only for the modified
    // MSI/MSA metrics (table 15 vs table 22 of the specification).
    for (const m of ['SC', 'SI', 'SA']) metrics.get(m)?.delete('S');
  }
  return { version, create, metrics, base, notDefined };
}

let versions: Map<string, VersionInfo> | undefined;
function versionTable(): Map<string, VersionInfo> {
  if (versions) return versions;
  const { Cvss2, Cvss3P0, Cvss3P1, Cvss4P0 } = calculator();
  versions = new Map([
    ['', versionInfo('2.0', () => new Cvss2() as unknown as CvssImpl, 'ND')],
    ['CVSS:3.0', versionInfo('3.0', () => new Cvss3P0() as unknown as CvssImpl, 'X')],
    ['CVSS:3.1', versionInfo('3.1', () => new Cvss3P1() as unknown as CvssImpl, 'X')],
    ['CVSS:4.0', versionInfo('4.0', () => new Cvss4P0() as unknown as CvssImpl, 'X')],
  ]);
  return versions;
}

function bad(vector: string, why: string, cause?: unknown): VigilError {
  return new VigilError('VIGIL_INVALID_INPUT', `invalid CVSS vector ${JSON.stringify(vector)}: ${why}`, {
    input: vector,
    rule: 'cvss-vector',
    cause,
  });
}

/**
 * Validates a CVSS vector and computes its base score.
 *
 * Accepted: `CVSS:3.0/…`, `CVSS:3.1/…`, `CVSS:4.0/…`, and v2 vectors without a prefix
 * (`AV:N/AC:L/Au:N/C:P/I:P/A:P`, as NVD and OSV write them); a v2 vector may also carry the
 * non-standard `CVSS:2.0/` prefix some tools add. Every base metric must be present exactly once
 * with a defined value; temporal/threat/environmental/supplemental metrics may be present once
 * each. Metric order is not checked (3.x allows any order; 4.0 recommends the table order).
 *
 * `severity` uses Vigil's bands (severityFromScore) for every version, so a v2 score of 9.3 is
 * CRITICAL here although v2 itself defines only Low/Medium/High.
 *
 * @throws VigilError VIGIL_INVALID_INPUT with rule "cvss-vector" when the vector is malformed,
 *   names an unknown metric or value, repeats a metric, or lacks a base metric.
 */
export function cvssScore(vector: string): CvssScore {
  if (typeof vector !== 'string' || vector.length === 0) throw bad(String(vector), 'empty');
  if (vector.length > 512) throw bad(vector.slice(0, 64) + '…', 'longer than 512 characters');
  if (vector !== vector.trim()) throw bad(vector, 'leading or trailing whitespace');

  let parts = vector.split('/');
  let prefix = '';
  if (parts[0].startsWith('CVSS:')) {
    prefix = parts[0];
    parts = parts.slice(1);
    if (prefix === 'CVSS:2.0') prefix = '';
  }
  const info = versionTable().get(prefix);
  if (!info) throw bad(vector, `unknown version prefix ${JSON.stringify(prefix)}`);

  const seen = new Map<string, string>();
  for (const part of parts) {
    const m = /^([A-Za-z]+):([A-Za-z]+)$/.exec(part);
    if (!m) throw bad(vector, `malformed metric ${JSON.stringify(part)} (expected NAME:VALUE)`);
    const [, name, value] = m;
    const allowed = info.metrics.get(name);
    if (!allowed) throw bad(vector, `unknown metric ${name} for CVSS ${info.version}`);
    if (!allowed.has(value)) throw bad(vector, `metric ${name} has unknown value ${value} for CVSS ${info.version}`);
    if (seen.has(name)) throw bad(vector, `metric ${name} appears more than once`);
    seen.set(name, value);
  }
  for (const name of info.base) {
    const value = seen.get(name);
    if (value === undefined) throw bad(vector, `base metric ${name} is missing`);
    if (value === info.notDefined) throw bad(vector, `base metric ${name} must be defined`);
  }

  let baseScore: number | undefined;
  try {
    const impl = info.create();
    for (const [name, value] of seen) impl.applyComponentString(name, value);
    if (!impl.isBaseFullyDefined()) throw new Error('calculator reports incomplete base metrics');
    const scores = impl.calculateScores();
    baseScore = info.version === '4.0' ? scores.baseMetricsOnly : scores.base;
  } catch (e) {
    throw bad(vector, `calculator rejected it: ${(e as Error).message}`, e);
  }
  if (baseScore === undefined || !Number.isFinite(baseScore)) throw bad(vector, 'calculator returned no base score');
  return { version: info.version, baseScore, severity: severityFromScore(baseScore) };
}

/**
 * Vigil's severity bands: Critical 9.0–10.0, High 7.0–8.9, Medium 4.0–6.9, Low 0.1–3.9, None 0.
 * Scores are expected with one decimal; anything above 0 and below 4.0 is Low.
 *
 * @throws VigilError VIGIL_INVALID_INPUT with rule "cvss-score" for a non-finite score or one
 *   outside 0–10.
 */
export function severityFromScore(score: number): CvssSeverity {
  if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 10) {
    throw new VigilError('VIGIL_INVALID_INPUT', `invalid CVSS score ${JSON.stringify(score)}: must be a number from 0 to 10`, {
      input: String(score),
      rule: 'cvss-score',
    });
  }
  if (score === 0) return 'NONE';
  if (score < 4) return 'LOW';
  if (score < 7) return 'MEDIUM';
  if (score < 9) return 'HIGH';
  return 'CRITICAL';
}

// ─── issue 16 (Vigil score): the attack vector of a vector, and its score with it lowered ────────

/**
 * The base attack vector of a CVSS 3.x or 4.0 vector (`N`, `A`, `L`, `P`), or undefined for v2
 * and for what is not a valid vector.
 */
export function attackVectorOf(vector: string): 'N' | 'A' | 'L' | 'P' | undefined {
  if (!/^CVSS:(3\.[01]|4\.0)\//.test(vector)) return undefined;
  const m = /\/AV:([NALP])(?:\/|$)/.exec(vector);
  return m ? (m[1] as 'N' | 'A' | 'L' | 'P') : undefined;
}

/**
 * The score of a CVSS 3.x or 4.0 vector's base metrics with the environmental Modified Attack
 * Vector set to `mav` (every other environmental, temporal and threat metric left out): the CVSS
 * environmental score for 3.x, CVSS-BE for 4.0. The Vigil score lowers AV:N findings on resources
 * unreachable from the internet by the difference between this and the base score.
 *
 * @throws VigilError VIGIL_INVALID_INPUT (rule "cvss-vector") when the vector is not a valid CVSS
 *   3.x/4.0 vector (see {@link cvssScore}); v2 vectors have no MAV and are rejected the same way.
 */
export function cvssWithModifiedAttackVector(vector: string, mav: 'N' | 'A' | 'L' | 'P'): number {
  const info = cvssScore(vector); // validates
  if (info.version === '2.0') throw bad(vector, 'CVSS 2.0 has no Modified Attack Vector');
  const table = versionTable().get(`CVSS:${info.version}`)!;
  const impl = table.create();
  for (const part of vector.split('/').slice(1)) {
    const [name, value] = part.split(':');
    if (table.base.includes(name)) impl.applyComponentString(name, value);
  }
  impl.applyComponentString('MAV', mav);
  const s = impl.calculateScores() as { environmental?: number };
  if (s.environmental === undefined || !Number.isFinite(s.environmental)) throw bad(vector, 'calculator returned no environmental score');
  return s.environmental;
}
