/**
 * A small seeded run of the fuzzing harness (bench/fuzz.ts) over every parser family: mutations of
 * real files and generated documents, each case in a worker thread with a time bound. Any crash
 * (an exception other than the parser's VigilError, or a recorded extractor-error) or hang fails.
 * `node --import tsx bench/fuzz.ts` runs the same with 100,000 cases per family.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FAMILIES } from '../bench/fuzz/families.ts';
import { fuzzFamily } from '../bench/fuzz/runner.ts';

const CASES = Number(process.env.VIGIL_FUZZ_CASES ?? 150);
const SEED = Number(process.env.VIGIL_FUZZ_SEED ?? 13);

describe('fuzz: every parser family, seeded', { concurrency: 1 }, () => {
  for (const f of FAMILIES) {
    test(`${f.name}: ${CASES} cases, no crash, no hang`, async () => {
      const r = await fuzzFamily({ family: f.name, cases: CASES, seed: SEED, timeoutMs: 60_000 });
      const failures = [...r.crashes, ...r.hangs].map((x) => `${x.kind} at case ${x.case} (${x.target} ${x.path}): ${x.error.split('\n').slice(0, 3).join(' | ')}\n  reproduce: node --import tsx bench/fuzz.ts --family ${f.name} --seed ${SEED} --case ${x.case}`);
      assert.deepEqual(failures, []);
      assert.equal(r.accepted + r.rejected, CASES);
      // the mutations keep some inputs valid: a family that accepts nothing is not being exercised
      assert.ok(r.accepted > 0, `${f.name}: no case was accepted`);
    });
  }
});
