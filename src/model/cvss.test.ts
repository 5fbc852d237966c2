import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import calc from 'ae-cvss-calculator';
import { cvssScore, severityFromScore } from './cvss.ts';
import { VigilError } from './errors.ts';

const vulndata = new URL('../../../shared/vulndata/', import.meta.url);

test('scores: FIRST examples and rows of the vulnrichment CSV', () => {
  const cases: [string, string, number, string][] = [
    // CVE-1999-0006 and CVE-1999-0013 rows of cvss-cwe-ssvc-vulnrichment.csv (9.8, 8.4)
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', '3.1', 9.8, 'CRITICAL'],
    ['CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', '3.1', 8.4, 'HIGH'],
    // CVE-2016-8728 row (CVSS 3.0, 8.6)
    ['CVSS:3.0/AV:L/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H', '3.0', 8.6, 'HIGH'],
    // scope changed, PR:L: 1.08 × (6.0476 + 3.1096) = 9.890 → round up 9.9
    ['CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H', '3.1', 9.9, 'CRITICAL'],
    ['CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N', '3.1', 5.5, 'MEDIUM'],
    ['CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N', '3.1', 1.6, 'LOW'],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N', '3.1', 0, 'NONE'],
    // temporal metrics do not change the base score
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:C', '3.1', 9.8, 'CRITICAL'],
    // CVE-2023-5038 row (CVSS 4.0, 8.7); the FIRST 4.0 example 9.3
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N', '4.0', 8.7, 'HIGH'],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', '4.0', 9.3, 'CRITICAL'],
    // 4.0 "base score" is CVSS-B: threat metrics (E:U) are left out of it
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U', '4.0', 9.3, 'CRITICAL'],
    // v2 (NVD: 7.5 HIGH; 9.3 is HIGH in v2's own bands, CRITICAL in Vigil's)
    ['AV:N/AC:L/Au:N/C:P/I:P/A:P', '2.0', 7.5, 'HIGH'],
    ['AV:N/AC:M/Au:N/C:C/I:C/A:C', '2.0', 9.3, 'CRITICAL'],
    ['CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P', '2.0', 7.5, 'HIGH'],
  ];
  for (const [vector, version, baseScore, severity] of cases) {
    assert.deepEqual(cvssScore(vector), { version, baseScore, severity }, vector);
  }
});

test('bad vectors throw VigilError VIGIL_INVALID_INPUT, rule cvss-vector', () => {
  const bad = [
    '', 'garbage', 'CVSS:3.1', 'CVSS:3.1/', 'CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'cvss:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
    'CVSS:3.1/AV:N/AC:L', // base metrics missing
    'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/', // trailing slash
    'CVSS:3.1/AV:N/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', // duplicate
    'CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', // base metric not defined
    'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/FOO:BAR', // unknown metric
    'CVSS:3.1/AV:NETWORK/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', // long value name (the library takes it)
    'CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', // unknown value
    ' CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
    'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/Au:N', // v2 metric in v3
    'AV:N/AC:L/Au:N/C:P/I:P', // v2 without A
    'AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', // v3 metrics without prefix
    'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N', // S only for MSI/MSA
    'CVSS:4.0/AV:N/AC:L/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', // AT missing
  ];
  for (const v of bad) {
    assert.throws(() => cvssScore(v), (e: unknown) => {
      assert.ok(e instanceof VigilError, v);
      assert.equal(e.code, 'VIGIL_INVALID_INPUT');
      assert.equal(e.rule, 'cvss-vector');
      assert.ok(e.input !== undefined);
      return true;
    }, v);
  }
});

test('severityFromScore: the bands and their edges', () => {
  const cases: [number, string][] = [[0, 'NONE'], [0.1, 'LOW'], [3.9, 'LOW'], [4, 'MEDIUM'], [6.9, 'MEDIUM'], [7, 'HIGH'], [8.9, 'HIGH'], [9, 'CRITICAL'], [10, 'CRITICAL']];
  for (const [s, sev] of cases) assert.equal(severityFromScore(s), sev, String(s));
  for (const s of [-0.1, 10.1, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => severityFromScore(s), (e: unknown) => e instanceof VigilError && e.rule === 'cvss-score', String(s));
  }
});

/**
 * Every v3 and v4 vector of the real vulnrichment CSV, computed here and compared with the score
 * the CNA/ADP published beside it. Disagreements fall into classes, each explained:
 * - "non-base": the vector carries temporal/threat/environmental metrics (E:/RL:/RC:/CR:/M*) and
 *   the published "base" score is the overall score of the full vector (mostly Fortinet CVEs).
 *   Our base score leaves those metrics out, as the specifications' base score does.
 * - "0.1 apart": rounding differences in the publisher's calculator. In 3.x all are scope-changed
 *   vectors, 107 published 0.1 higher than FIRST's formula, mostly GitHub-assigned CVEs
 *   (e.g. CVE-2024-41110, AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H: 1.08 × (6.0476 + 3.1096) = 9.890,
 *   Roundup → 9.9, published 10.0), and 2 rounded to nearest instead of up (CVE-2023-38497:
 *   7.803 → 7.9, published 7.8). The two 4.0 cases could not be checked by hand (4.0 scores come
 *   from a lookup table plus interpolation; FIRST's calculator changed its rounding in 2024).
 * - "other": published scores no reading of the vector gives (8.4 for a vector whose only impact is
 *   A:H, 6.2 by the formula; 4.3 for a 9.0 vector): data errors in the source, listed in the output.
 */
test('cross-check: every CVSS 3.x and 4.0 vector of the vulnrichment CSV against its published score', () => {
  const text = gunzipSync(readFileSync(new URL('cve/cvss-cwe-ssvc-vulnrichment.csv.gz', vulndata))).toString('utf8');
  const lines = text.split(/\r?\n/).filter((l) => l !== '');
  const header = lines[0].split(',');
  const col = (name: string) => header.indexOf(name);
  type Stats = { vectors: number; agree: number; nonBase: number; rounding: number; other: string[]; invalid: string[] };
  const stats: Record<'v3' | 'v4', Stats> = {
    v3: { vectors: 0, agree: 0, nonBase: 0, rounding: 0, other: [], invalid: [] },
    v4: { vectors: 0, agree: 0, nonBase: 0, rounding: 0, other: [], invalid: [] },
  };
  for (const line of lines.slice(1)) {
    const f = line.split(','); // the file has no quoted fields
    for (const [key, v, s] of [['v3', 'cvss3_vector', 'cvss3_base_score'], ['v4', 'cvss4_vector', 'cvss4_base_score']] as const) {
      const vector = f[col(v)];
      if (!vector) continue;
      const st = stats[key];
      st.vectors++;
      const published = Number(f[col(s)]);
      let ours: number;
      try {
        ours = cvssScore(vector).baseScore;
      } catch (e) {
        st.invalid.push(`${f[0]} ${(e as Error).message}`);
        continue;
      }
      if (ours === published) { st.agree++; continue; }
      const overall = (calc.fromVector(vector) as { calculateScores(): { overall: number } }).calculateScores().overall;
      if (overall === published) st.nonBase++;
      else if (Math.abs(Math.round((published - ours) * 10)) === 1) st.rounding++;
      else st.other.push(`${f[0]} ${vector} published ${published}, computed ${ours}`);
    }
  }
  for (const [key, st] of Object.entries(stats)) {
    console.log(`${key}: ${st.vectors} vectors, ${st.agree} agree (${((100 * st.agree) / st.vectors).toFixed(2)}%), ` +
      `${st.nonBase} non-base (published score includes temporal/threat/environmental metrics), ` +
      `${st.rounding} 0.1 apart (rounding), ${st.other.length} other, ${st.invalid.length} invalid`);
    for (const o of st.other) console.log(`  other: ${o}`);
  }
  // the vulndata README: 32,214 v3 vectors, 2,331 v4 vectors; all must be valid
  assert.equal(stats.v3.vectors, 32214);
  assert.equal(stats.v4.vectors, 2331);
  assert.deepEqual([...stats.v3.invalid, ...stats.v4.invalid], []);
  // more than 98.8% agree; every disagreement is classified above (figures at the time of writing:
  // v3 31,842 agree, 247 non-base, 109 rounding, 16 other; v4 2,318 agree, 10 non-base, 2 rounding,
  // 1 other)
  assert.ok(stats.v3.agree / stats.v3.vectors > 0.988);
  assert.ok(stats.v4.agree / stats.v4.vectors > 0.99);
  assert.ok(stats.v3.other.length <= 20 && stats.v4.other.length <= 3);
});
