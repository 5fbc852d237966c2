/**
 * The fuzzing harness: every parser family (lockfiles and manifests, binaries, OS databases,
 * OCI/docker manifests and configs, tar and zip readers, SBOMs, vulnerability-database formats)
 * fed fast-check mutations of real files and generated documents, each case in a worker thread
 * with a time bound. Prints, per family: cases, rejected as invalid, accepted, crashes, hangs,
 * and how to reproduce each failure.
 *
 *   node --import tsx bench/fuzz.ts [--family lockfiles,sbom] [--cases 100000] [--seed 1] [--timeout 10000]
 *   node --import tsx bench/fuzz.ts --family sbom --seed 1 --case 1234     # re-run one case here, with its stack
 *
 * Exit code 1 when any family had a crash or a hang.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describeError, makeCase, setupFamily } from './fuzz/cases.ts';
import { FAMILIES } from './fuzz/families.ts';
import { fuzzFamily, type FamilyReport } from './fuzz/runner.ts';

const { values } = parseArgs({
  options: {
    family: { type: 'string', multiple: true },
    cases: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    timeout: { type: 'string', default: '10000' },
    case: { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
});
const families = (values.family ?? FAMILIES.map((f) => f.name)).flatMap((f) => f.split(',')).filter(Boolean);
const seed = Number(values.seed);
const cases = Number(values.cases);
const timeoutMs = Number(values.timeout);
for (const [k, v] of [['seed', seed], ['cases', cases], ['timeout', timeoutMs]] as const) {
  if (!Number.isInteger(v) || v < 0) { console.error(`fuzz: --${k} must be a non-negative integer`); process.exit(2); }
}

if (values.case !== undefined) {
  // reproduce one case in this process, with the full stack
  const i = Number(values.case);
  for (const family of families) {
    const run = await setupFamily(family);
    const c = makeCase(run, seed, i);
    const file = join(tmpdir(), `vigil-fuzz-${family}-${seed}-${i}.bin`);
    writeFileSync(file, c.data);
    console.log(`${family} seed ${seed} case ${i}: ${c.target} ${c.path} (${c.data.length} bytes, written to ${file})`);
    const t = Date.now();
    try {
      console.log(`  → ${await run.run(c)} in ${Date.now() - t} ms`);
    } catch (err) {
      console.log(`  → CRASH after ${Date.now() - t} ms\n${describeError(err)}`);
      process.exitCode = 1;
    }
    run.close?.();
  }
} else {
  const reports: FamilyReport[] = [];
  for (const family of families) {
    let lastShown = 0;
    const r = await fuzzFamily({
      family, cases, seed, timeoutMs,
      onProgress: (done, total) => {
        if (!values.quiet && process.stderr.isTTY && Date.now() - lastShown > 1000) {
          lastShown = Date.now();
          process.stderr.write(`\r  ${family}: ${done}/${total}`);
        }
      },
    });
    if (!values.quiet && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    reports.push(r);
    const rate = r.cases / (r.ms / 1000);
    console.log(`${family.padEnd(10)} cases ${String(r.cases).padStart(7)}  rejected ${String(r.rejected).padStart(7)}  accepted ${String(r.accepted).padStart(7)}  crashes ${r.crashes.length}  hangs ${r.hangs.length}  ${(r.ms / 1000).toFixed(1)} s (${rate.toFixed(0)} cases/s; 100,000 in ${(100_000 / rate / 60).toFixed(1)} min; slowest case ${r.slowest.case}: ${r.slowest.ms.toFixed(0)} ms)`);
    for (const f of [...r.crashes, ...r.hangs]) {
      console.log(`  ${f.kind} at case ${f.case}${f.target ? ` (${f.target} ${f.path})` : ''}: reproduce with \`node --import tsx bench/fuzz.ts --family ${family} --seed ${seed} --case ${f.case}\`${f.inputFile ? `; input in ${f.inputFile}` : ''}`);
      console.log(`    ${f.error.split('\n').slice(0, 6).join('\n    ')}`);
    }
  }
  const bad = reports.reduce((n, r) => n + r.crashes.length + r.hangs.length, 0);
  console.log(`total: ${reports.reduce((n, r) => n + r.cases, 0)} cases in ${reports.length} families, ${bad} crashes and hangs (seed ${seed}, case bound ${timeoutMs} ms)`);
  if (bad) process.exitCode = 1;
}
