/**
 * The isolated scan runner on real inputs: a scan process killed at its memory cap and at its wall
 * time, stopped by an abort, an error of the scan passed through with its code and rule, and the
 * limits' flags and environment.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { VigilError } from '../model/errors.ts';
import { DEFAULT_SCAN_LIMITS, resolveScanLimits, runIsolated, runWithStats } from './isolate.ts';
import type { CollectedTarget } from './isolate-tasks.ts';

for (const thread of [false, true]) describe(`isolated scan runner (${thread ? 'thread' : 'process'})`, () => {
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

  const mode = { thread };
  const task = (ref: string) => ({ kind: 'target' as const, target: { kind: 'dir' as const, ref, scanners: ['vuln'] } });

  test('a scan within its caps returns its inventory; the runner measured the child', async () => {
    const small = await mkdtemp(join(dir, 'small-'));
    await writeFile(join(small, 'package-lock.json'), JSON.stringify({ name: 'a', version: '1.0.0', lockfileVersion: 3, packages: { '': { name: 'a', version: '1.0.0' }, 'node_modules/left-pad': { version: '1.3.0' } } }));
    const { value, stats } = await runWithStats<CollectedTarget>(task(small), { ...mode, limits: DEFAULT_SCAN_LIMITS, label: 'dir small' });
    assert.deepEqual(value.packages.map((p) => `${p.name}@${p.version}`), ['left-pad@1.3.0']);
    // a child process has its own pid; a thread is this process's
    assert.ok(stats.pid > 0 && (thread ? stats.pid === process.pid : stats.pid !== process.pid));
  });

  test('killed at the memory cap', async () => {
    await assert.rejects(runIsolated(task(big), { ...mode, limits: { memoryMiB: 128, timeoutSeconds: 300 }, label: 'dir big' }), (err: VigilError) => {
      assert.equal(err.code, 'VIGIL_LIMIT_EXCEEDED');
      assert.equal(err.rule, 'scan-memory');
      assert.match(err.message, /^dir big: the scan (used more than 128 MiB|ran out of its 96 MiB JavaScript heap)/);
      return true;
    });
  });

  test('killed at the memory cap while holding a scratch directory (a git clone): the directory is removed', async () => {
    const repo = await mkdtemp(join(dir, 'repo-'));
    await copyFile(join(big, 'package-lock.json'), join(repo, 'package-lock.json'));
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-C', repo, ...args], { stdio: 'ignore' });
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'big');
    const mine = async () => {
      const out: string[] = [];
      for (const name of (await readdir(tmpdir())).filter((n) => /^vigil-scan-/.test(n))) {
        const marker = await readFile(join(tmpdir(), name, '.vigil-owner'), 'utf8').catch(() => '');
        const [pid, , thread] = marker.trim().split(/\s+/);
        // a thread's directories carry this process's pid; a child's, the child's (not known here: any but ours)
        if (thread !== '0' && (thread ? pid === String(process.pid) : false)) out.push(name);
      }
      return out;
    };
    const before = await mine();
    await assert.rejects(runIsolated({ kind: 'target', target: { kind: 'git', ref: repo, scanners: ['vuln'] } }, { ...mode, limits: { memoryMiB: 128, timeoutSeconds: 300 }, label: 'repo big' }),
      (err: VigilError) => err.rule === 'scan-memory');
    // the runner removes them once the thread or process has ended
    for (let i = 0; i < 100 && (await mine()).length > before.length; i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(await mine(), before);
  });

  test('killed at the wall-time cap', async () => {
    await assert.rejects(runIsolated(task(big), { ...mode, limits: { memoryMiB: 4096, timeoutSeconds: 1 }, label: 'dir big' }), (err: VigilError) => {
      assert.equal(err.rule, 'scan-timeout');
      assert.match(err.message, /longer than 1 s/);
      return true;
    });
  });

  test('stopped by an abort (a lost job lease)', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('lease lost')), 300);
    await assert.rejects(runIsolated(task(big), { ...mode, limits: DEFAULT_SCAN_LIMITS, signal: ac.signal, label: 'dir big' }), (err: VigilError) => err.rule === 'scan-aborted' && /lease lost/.test(err.message));
  });

  test('the scan\'s own error comes back with its code and rule', async () => {
    await assert.rejects(runIsolated({ kind: 'target', target: { kind: 'zip', ref: join(dir, 'small.json'), scanners: ['vuln'] } }, { ...mode, limits: DEFAULT_SCAN_LIMITS, label: 'zip small.json' }), (err: Error) => {
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
