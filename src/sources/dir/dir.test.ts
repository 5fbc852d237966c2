import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { VigilError } from '../../model/index.ts';
import { listAll, tempDir } from '../testutil.ts';
import type { FileInfo } from '../types.ts';
import { openDir, plainInfo } from './index.ts';

describe('dir', () => {
  let base = '';
  let root = '';
  before(async () => {
    base = await tempDir('dir');
    root = join(base, 'root');
    await mkdir(join(root, 'etc'), { recursive: true });
    await mkdir(join(root, 'usr/lib'), { recursive: true });
    await mkdir(join(root, 'proc/1'), { recursive: true });
    await writeFile(join(root, 'proc/1/status'), 'x');
    await writeFile(join(root, 'usr/lib/os-release'), 'ID=debian\n');
    await writeFile(join(base, 'secret'), 'outside the root');
    await symlink('../usr/lib/os-release', join(root, 'etc/os-release'));
    await symlink('/usr/lib', join(root, 'lib')); // absolute: relative to the root
    await symlink('../secret', join(root, 'escape')); // leaves the root
    await symlink('../../../../../../../../../../etc', join(root, 'etc-escape'));
    await symlink('loop2', join(root, 'loop1'));
    await symlink('loop1', join(root, 'loop2'));
    await writeFile(join(root, 'big.bin'), Buffer.alloc(5000));
    execFileSync('mkfifo', [join(root, 'fifo')]);
  });
  after(() => rm(base, { recursive: true, force: true }));

  it('walks with lstat in sorted order, listing special files as other', async () => {
    const fs = await openDir(root, { limits: { maxFileBytes: 1000 } });
    const entries = await listAll(fs);
    assert.deepEqual(
      entries.map((e) => `${e.path}:${e.kind}`),
      ['big.bin:file', 'escape:symlink', 'etc:dir', 'etc/os-release:symlink', 'etc-escape:symlink', 'fifo:other', 'lib:symlink', 'loop1:symlink', 'loop2:symlink', 'proc:dir', 'proc/1:dir', 'proc/1/status:file', 'usr:dir', 'usr/lib:dir', 'usr/lib/os-release:file'],
    );
    assert.equal(entries.find((e) => e.path === 'lib')?.linkTarget, '/usr/lib');
    assert.deepEqual(fs.errors.map((e) => e.rule), [], 'a big file is listed; only reading it is refused');
    await assert.rejects(fs.readFile('big.bin'), (e: VigilError) => e.code === 'VIGIL_LIMIT_EXCEEDED' && e.rule === 'file-too-large');
    assert.deepEqual(fs.errors.map((e) => [e.rule, e.path]), [['file-too-large', 'big.bin']], 'and the refused read is recorded');
    await assert.rejects(fs.readFile('fifo'), (e: VigilError) => e.code === 'VIGIL_NOT_FOUND');
    await fs.close();
  });

  it('reads size, mode and owner of an entry when asked, and gives them as a plain record', async () => {
    const fs = await openDir(root);
    const entries = await listAll(fs);
    const big = entries.find((e) => e.path === 'big.bin')!;
    const st = await stat(join(root, 'big.bin'));
    assert.deepEqual([big.size, big.mode, big.uid, big.gid], [5000, st.mode, st.uid, st.gid]);
    const link = entries.find((e) => e.path === 'lib')!;
    assert.equal(link.size, '/usr/lib'.length, 'a symlink\'s size is its target\'s length, as lstat gives it');
    assert.equal(entries.find((e) => e.path === 'etc')!.size, 0);
    assert.deepEqual(JSON.parse(JSON.stringify(big)), { path: 'big.bin', kind: 'file', size: 5000, mode: st.mode, uid: st.uid, gid: st.gid });
    assert.deepEqual(plainInfo(link), { path: 'lib', kind: 'symlink', size: 8, mode: link.mode, uid: link.uid, gid: link.gid, linkTarget: '/usr/lib' });
    await fs.close();
  });

  it('an entry gone before it is stat-ed is listed with size 0 and recorded as unreadable', async () => {
    const gone = join(root, 'usr', 'gone.txt');
    await writeFile(gone, 'x');
    const fs = await openDir(root);
    const seen: FileInfo[] = [];
    for await (const e of fs.entries()) {
      if (e.path === 'usr/gone.txt') await rm(gone);
      seen.push(e);
    }
    const e = seen.find((x) => x.path === 'usr/gone.txt')!;
    assert.deepEqual([e.kind, e.size, e.mode], ['file', 0, undefined]);
    assert.deepEqual(fs.errors.map((x) => [x.rule, x.path]), [['unreadable', 'usr/gone.txt']]);
    await fs.close();
  });

  it('entry limits stop the walk and are recorded', async () => {
    const fs = await openDir(root, { limits: { maxEntries: 3 } });
    assert.equal((await listAll(fs)).length, 3);
    assert.deepEqual(fs.errors.map((e) => e.rule), ['too-many-entries']);
    const names = await openDir(root, { limits: { maxTotalNameBytes: 20 } });
    await listAll(names);
    assert.deepEqual(names.errors.map((e) => e.rule), ['too-many-name-bytes']);
  });

  it('entryBatches gives what entries() gives, in order, at most 256 at a time; a limit stops it the same way', async () => {
    const many = join(base, 'many');
    await mkdir(join(many, 'd'), { recursive: true });
    for (let i = 0; i < 600; i++) await writeFile(join(many, i % 2 ? 'd' : '', `f${String(i).padStart(3, '0')}`), '');
    for (const [dir, limits] of [[root, {}], [many, {}], [many, { maxEntries: 300 }]] as const) {
      const one = await openDir(dir, { limits });
      const want = (await listAll(one)).map((e) => `${e.path}:${e.kind}:${e.linkTarget ?? ''}`);
      const batched = await openDir(dir, { limits });
      const sizes: number[] = [];
      const got: string[] = [];
      for await (const b of batched.entryBatches!()) {
        sizes.push(b.length);
        for (const e of b) got.push(`${e.path}:${e.kind}:${e.linkTarget ?? ''}`);
      }
      assert.deepEqual(got, want);
      assert.ok(sizes.every((n) => n > 0 && n <= 256), String(sizes));
      assert.deepEqual(batched.errors, one.errors);
    }
  });

  it('readChunks gives the bytes readFile gives, in pieces of the size asked, under the same limits', async () => {
    await writeFile(join(root, 'usr/lib/blob'), Buffer.from(Array.from({ length: 2500 }, (_, i) => i % 251)));
    const fs = await openDir(root, { limits: { maxFileBytes: 4000 } });
    const pieces: Buffer[] = [];
    for await (const p of fs.readChunks!('lib/blob', 1000)) pieces.push(p);
    assert.deepEqual(pieces.map((p) => p.length), [1000, 1000, 500]);
    assert.ok(Buffer.concat(pieces).equals(await fs.readFile('usr/lib/blob')));
    const drain = async (p: string) => { for await (const _ of fs.readChunks!(p, 1000)) { /* read */ } };
    await assert.rejects(drain('big.bin'), (e: VigilError) => e.rule === 'file-too-large');
    await assert.rejects(drain('escape'), (e: VigilError) => e.code === 'VIGIL_NOT_FOUND');
    await fs.close();
  });

  it('openFile reads at any position (past the synchronous first 4 MiB too), under readFile\'s limits and errors', async () => {
    const bytes = Buffer.from(Array.from({ length: 5 * 1024 * 1024 + 10 }, (_, i) => (i * 7) % 253));
    await writeFile(join(root, 'usr/lib/large'), bytes);
    const fs = await openDir(root, { limits: { maxFileBytes: 8 * 1024 * 1024 } });
    const r = await fs.openFile!('lib/large');
    assert.equal(r.size, bytes.length);
    for (const pos of [0, 4093, 4 * 1024 * 1024 - 3, 5 * 1024 * 1024, bytes.length - 4]) {
      const buf = Buffer.alloc(16, 0xaa);
      const n = await r.read(buf, 2, 8, pos);
      assert.equal(n, Math.min(8, bytes.length - pos), `at ${pos}`);
      assert.ok(buf.subarray(2, 2 + n).equals(bytes.subarray(pos, pos + n)), `at ${pos}`);
      assert.equal(buf[0], 0xaa);
    }
    assert.equal(await r.read(Buffer.alloc(8), 0, 8, bytes.length), 0, 'at the end');
    r.close();
    r.close();
    await assert.rejects(r.read(Buffer.alloc(8), 0, 8, 0), /read after close/);
    const small = await openDir(root, { limits: { maxFileBytes: 1000 } });
    await assert.rejects(small.openFile!('big.bin'), (e: VigilError) => e.code === 'VIGIL_LIMIT_EXCEEDED' && e.rule === 'file-too-large');
    assert.deepEqual(small.errors.map((e) => [e.rule, e.path]), [['file-too-large', 'big.bin']]);
    await assert.rejects(small.openFile!('escape'), (e: VigilError) => e.code === 'VIGIL_NOT_FOUND');
    await assert.rejects(small.openFile!('fifo'), (e: VigilError) => e.code === 'VIGIL_NOT_FOUND');
    await assert.rejects(small.openFile!('usr'), (e: VigilError) => e.code === 'VIGIL_NOT_FOUND');
    await fs.close();
  });

  it('resolves symlinks inside the root only', async () => {
    const fs = await openDir(root);
    assert.equal((await fs.readFile('etc/os-release')).toString(), 'ID=debian\n');
    assert.equal((await fs.readFile('/lib/os-release')).toString(), 'ID=debian\n');
    assert.equal(await fs.stat('escape'), null);
    await assert.rejects(fs.readFile('escape'), (e: VigilError) => e.code === 'VIGIL_NOT_FOUND');
    await assert.rejects(fs.readFile('etc-escape/passwd'), (e: VigilError) => e.code === 'VIGIL_NOT_FOUND');
    await assert.rejects(fs.readFile('../secret'), (e: VigilError) => e.code === 'VIGIL_NOT_FOUND');
    assert.equal(await fs.stat('loop1'), null);
    assert.deepEqual(fs.errors.map((e) => `${e.path}:${e.rule}`).sort(), ['escape:symlink-escape', 'etc-escape/passwd:symlink-escape', 'loop1:symlink-loop']);
    assert.equal((await fs.stat('lib'))?.kind, 'dir');
    await fs.close();
  });

  it('rootfs mode does not descend into /proc, /sys, /dev', async () => {
    const fs = await openDir(root, { rootfs: true });
    const paths = (await listAll(fs)).map((e) => e.path);
    assert.ok(paths.includes('proc') && !paths.includes('proc/1'));
    assert.equal(fs.target.kind, 'rootfs');
    await fs.close();
  });

  it('refuses a path that is not a directory', async () => {
    await assert.rejects(openDir(join(base, 'secret')), (e: VigilError) => e.code === 'VIGIL_NOT_FOUND');
  });
});
