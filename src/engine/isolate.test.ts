/**
 * The isolated scan runner on real inputs: a scan process killed at its memory cap and at its wall
 * time, stopped by an abort, an error of the scan passed through with its code and rule, and the
 * limits' flags and environment.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { VigilError } from '../model/errors.ts';
import { DEFAULT_SCAN_LIMITS, resolveScanLimits, runIsolated, runWithStats } from './isolate.ts';
import type { CollectedTarget } from './isolate-tasks.ts';

describe('isolated scan runner', () => {
  let dir: string;
  let big: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-isolate-test-'));
    // a lockfile whose inventory takes far more than 128 MiB
    const parts = ['{"name":"big","version":"1.0.0","lockfileVersion":3,"packages":{"":{"name":"big","version":"1.0.0"}'];
    for (let i = 0; i < 600_000; i++) parts.push(`,"node_modules/p${i}":{"version":"1.0.0"}`);
    parts.push('}}');
    await writeFile(join(dir, 'package-lock.json'), parts.join(''));
    big = dir;
    await writeFile(join(dir, 'small.json'), '{}');
  });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  const task = (ref: string) => ({ kind: 'target' as const, target: { kind: 'dir' as const, ref, scanners: ['vuln'] } });

  test('a scan within its caps returns its inventory; the runner measured the child', async () => {
    const small = await mkdtemp(join(dir, 'small-'));
    await writeFile(join(small, 'package-lock.json'), JSON.stringify({ name: 'a', version: '1.0.0', lockfileVersion: 3, packages: { '': { name: 'a', version: '1.0.0' }, 'node_modules/left-pad': { version: '1.3.0' } } }));
    const { value, stats } = await runWithStats<CollectedTarget>(task(small), { limits: DEFAULT_SCAN_LIMITS, label: 'dir small' });
    assert.deepEqual(value.packages.map((p) => `${p.name}@${p.version}`), ['left-pad@1.3.0']);
    assert.ok(stats.pid > 0 && stats.pid !== process.pid);
  });

  test('killed at the memory cap', async () => {
    await assert.rejects(runIsolated(task(big), { limits: { memoryMiB: 128, timeoutSeconds: 300 }, label: 'dir big' }), (err: VigilError) => {
      assert.equal(err.code, 'VIGIL_LIMIT_EXCEEDED');
      assert.equal(err.rule, 'scan-memory');
      assert.match(err.message, /^dir big: the scan (used more than 128 MiB|ran out of its 96 MiB JavaScript heap)/);
      return true;
    });
  });

  test('killed at the wall-time cap', async () => {
    await assert.rejects(runIsolated(task(big), { limits: { memoryMiB: 4096, timeoutSeconds: 1 }, label: 'dir big' }), (err: VigilError) => {
      assert.equal(err.rule, 'scan-timeout');
      assert.match(err.message, /longer than 1 s/);
      return true;
    });
  });

  test('stopped by an abort (a lost job lease)', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('lease lost')), 300);
    await assert.rejects(runIsolated(task(big), { limits: DEFAULT_SCAN_LIMITS, signal: ac.signal, label: 'dir big' }), (err: VigilError) => err.rule === 'scan-aborted' && /lease lost/.test(err.message));
  });

  test('the scan\'s own error comes back with its code and rule', async () => {
    await assert.rejects(runIsolated({ kind: 'target', target: { kind: 'zip', ref: join(dir, 'small.json'), scanners: ['vuln'] } }, { limits: DEFAULT_SCAN_LIMITS, label: 'zip small.json' }), (err: Error) => {
      assert.ok(err instanceof VigilError, `${err.name}: ${err.message}`);
      assert.ok(err.code.startsWith('VIGIL_'));
      return true;
    });
  });

  test('limits from flags, then the environment, then the defaults; bad values are usage errors', () => {
    assert.deepEqual(resolveScanLimits({}, {}), DEFAULT_SCAN_LIMITS);
    assert.deepEqual(resolveScanLimits({}, { VIGIL_SCAN_MEMORY: '2048', VIGIL_SCAN_TIMEOUT: '60' }), { memoryMiB: 2048, timeoutSeconds: 60 });
    assert.deepEqual(resolveScanLimits({ scanMemory: '512' }, { VIGIL_SCAN_MEMORY: '2048' }), { memoryMiB: 512, timeoutSeconds: DEFAULT_SCAN_LIMITS.timeoutSeconds });
    for (const bad of [{ scanMemory: '1.5' }, { scanMemory: '64' }, { scanTimeout: '0' }, { scanTimeout: 'ten' }]) {
      assert.throws(() => resolveScanLimits(bad, {}), (err: VigilError) => err.code === 'VIGIL_CONFIG' && err.rule === 'scan-limit');
    }
  });
});
