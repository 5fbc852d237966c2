/**
 * The CLI's scan thread started ahead of its command (scan-thread.ts): which command lines start
 * one, a scan taking it, one with another heap limit not taken, and a command that ends without a
 * scan not kept running by it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { VigilError } from '../model/errors.ts';
import { makeTar, writeOneLayerArchive } from '../sources/testutil.ts';
import { DEFAULT_SCAN_LIMITS, runWithStats } from './isolate.ts';
import type { CollectedTarget } from './isolate-tasks.ts';
import { commandOf, heapOf, prestartFor, takeWarm } from './scan-thread.ts';

test('the command lines that start a scan thread ahead', () => {
  assert.equal(commandOf(['scan', 'rootfs', '/']), 'scan');
  assert.equal(commandOf(['--home', '/h', '-q', 'sbom', 'dir', '.']), 'sbom');
  assert.equal(commandOf(['--db', 'postgres://x/y', 'cis', 'rootfs', '/']), 'cis');
  assert.equal(commandOf(['--home=/h', 'scan', 'dir', '.']), 'scan');
  // the value of a global option is not the command
  assert.equal(commandOf(['--home', 'scan', 'db', 'status']), null);
  assert.equal(commandOf(['db', 'import', 'scan']), null);
  assert.equal(commandOf(['server']), null);
  assert.equal(commandOf([]), null);
  // help scans nothing
  assert.equal(commandOf(['scan', 'dir', '--help']), null);
  assert.equal(commandOf(['-h', 'scan']), null);
});

describe('a prestarted scan thread', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-scan-thread-test-'));
    await writeFile(join(dir, 'package-lock.json'), JSON.stringify({ name: 'a', version: '1.0.0', lockfileVersion: 3, packages: { '': { name: 'a', version: '1.0.0' }, 'node_modules/left-pad': { version: '1.3.0' } } }));
  });
  after(async () => {
    takeWarm(-1); // none left running
    await rm(dir, { recursive: true, force: true });
  });
  const task = { kind: 'target' as const, target: { kind: 'dir' as const, ref: '', scanners: ['vuln'] } };

  test('is the one the scan runs in', async () => {
    prestartFor(['node', 'vigil', 'scan', 'dir', dir], {});
    const { value, stats } = await runWithStats<CollectedTarget>({ ...task, target: { ...task.target, ref: dir } }, { thread: true, limits: DEFAULT_SCAN_LIMITS, label: 'dir' });
    assert.deepEqual(value.packages.map((p) => `${p.name}@${p.version}`), ['left-pad@1.3.0']);
    assert.equal(stats.pid, process.pid);
    // taken: there is none left for another scan
    assert.equal(takeWarm(heapOf(DEFAULT_SCAN_LIMITS.memoryMiB)), null);
  });

  test('with another heap limit than the scan\'s is not taken (the scan starts its own), nor one the process mode does not use', async () => {
    prestartFor(['node', 'vigil', 'scan', 'dir', dir, '--scan-memory', '512'], {});
    const { value } = await runWithStats<CollectedTarget>({ ...task, target: { ...task.target, ref: dir } }, { thread: true, limits: { memoryMiB: 256, timeoutSeconds: 60 }, label: 'dir' });
    assert.equal(value.packages.length, 1);
    assert.equal(takeWarm(heapOf(512)), null, 'the mismatched thread was ended, not kept');
    prestartFor(['node', 'vigil', 'scan', 'dir', dir], { VIGIL_SCAN_ISOLATION: 'process' });
    assert.equal(takeWarm(heapOf(DEFAULT_SCAN_LIMITS.memoryMiB)), null);
    // a bad cap is the command's usage error: no thread for it
    prestartFor(['node', 'vigil', 'scan', 'dir', dir, '--scan-memory', 'lots'], {});
    assert.equal(takeWarm(heapOf(DEFAULT_SCAN_LIMITS.memoryMiB)), null);
  });

  test('does not keep a command that ends without its scan running', () => {
    const code = `const m = await import(${JSON.stringify(new URL('./scan-thread.ts', import.meta.url).href)}); m.prestartFor(['node', 'vigil', 'scan', 'dir', '.'], {}); console.log('started');`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.signal, null, 'it ended on its own');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'started');
  });
});

// a large plain tar layer's diff id is hashed by the thread that started the scan thread (the CLI's
// main thread: sources/image/hash-thread.ts RangeHashing), not by a thread of its own
test('a scan thread\'s large layer is verified by its starter: a good archive scans, a changed byte is a digest mismatch', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-scan-thread-hash-'));
  try {
    const layer = await makeTar([
      { name: 'opt/big.bin', content: Buffer.alloc(17 * 1024 * 1024, 7) },
      { name: 'etc/os-release', content: 'ID=debian\nVERSION_ID="11"\n' },
      { name: 'app/package-lock.json', content: JSON.stringify({ name: 'a', version: '1.0.0', lockfileVersion: 3, packages: { '': { name: 'a', version: '1.0.0' }, 'node_modules/left-pad': { version: '1.3.0' } } }) },
    ]);
    const scan = (ref: string) => runWithStats<CollectedTarget>({ kind: 'target', target: { kind: 'image', ref, scanners: ['vuln'] } }, { thread: true, limits: DEFAULT_SCAN_LIMITS, label: ref });
    await writeOneLayerArchive(join(dir, 'good.tar'), layer);
    const { value } = await scan(join(dir, 'good.tar'));
    assert.deepEqual(value.packages.map((p) => `${p.name}@${p.version}`), ['left-pad@1.3.0']);
    const tampered = Buffer.from(layer);
    tampered[512 + 1000] ^= 1;
    await writeOneLayerArchive(join(dir, 'bad.tar'), tampered, layer);
    await assert.rejects(scan(join(dir, 'bad.tar')), (e: VigilError) => e.code === 'VIGIL_UNSAFE_ARCHIVE' && e.rule === 'digest-mismatch');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
