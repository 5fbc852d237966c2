/**
 * The bundle `vigil` runs (scripts/build.mjs) leaves the test-only fault injection out
 * (src/engine/testpoint.ts): no pause point, no environment variable that reaches one.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './helpers/prereq.ts';

test('the bundle has no test pause points', () => {
  const out = mkdtempSync(join(tmpdir(), 'vigil-build-'));
  try {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--outdir', out, '--cli-only'], { stdio: 'pipe' });
    const code = readdirSync(out).filter((f) => f.endsWith('.mjs')).map((f) => readFileSync(join(out, f), 'utf8')).join('\n');
    assert.match(code, /async function pauseAt\(/, 'the engine is in the bundle');
    for (const s of ['VIGIL_TEST_PAUSE_AT', 'vigil-testpoint', 'function pauseHere']) assert.ok(!code.includes(s), `${s} is compiled out`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
