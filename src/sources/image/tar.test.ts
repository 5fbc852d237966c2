import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { appendFile, open, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { VigilError } from '../../model/index.ts';
import { listAll, makeTar, tempDir } from '../testutil.ts';
import { openImage } from './index.ts';
import { TarError, TarReader, fileSource, iterableSource, type TarHeader } from './tar.ts';

/** every header and body, read through a source that hands out chunks of `chunk` bytes */
async function readAll(tar: Buffer, chunk = 7): Promise<{ h: TarHeader; body: string }[]> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < tar.length; i += chunk) pieces.push(tar.subarray(i, i + chunk));
  const r = new TarReader(iterableSource(Readable.from(pieces)));
  const out: { h: TarHeader; body: string }[] = [];
  for (let h = await r.next(); h; h = await r.next()) out.push({ h, body: h.type === 'file' ? (await r.body()).toString() : '' });
  return out;
}

const LONG = `${'d'.repeat(60)}/${'e'.repeat(70)}/${'f'.repeat(80)}.txt`;

describe('tar reader', () => {
  let dir = '';
  before(async () => {
    dir = await tempDir('tar');
    const src = join(dir, 'src');
    mkdirSync(join(src, LONG.slice(0, LONG.lastIndexOf('/'))), { recursive: true });
    writeFileSync(join(src, LONG), 'long name');
    writeFileSync(join(src, 'short.txt'), 'short');
    symlinkSync(LONG, join(src, 'link'));
    // GNU tar writes real archives in each format (long names as ././@LongLink, pax records, ustar prefixes)
    for (const format of ['gnu', 'pax', 'ustar']) {
      const files = format === 'ustar' ? ['short.txt', LONG] : ['short.txt', LONG, 'link'];
      execFileSync('tar', [`--format=${format}`, '-cf', join(dir, `${format}.tar`), '-C', src, '--sort=name', ...files]);
    }
  });
  after(() => rm(dir, { recursive: true, force: true }));

  for (const format of ['gnu', 'pax', 'ustar']) {
    it(`reads GNU tar's ${format} format, chunk boundaries anywhere`, async () => {
      const tar = readFileSync(join(dir, `${format}.tar`));
      for (const chunk of [1, 7, 512, 100_000]) {
        const entries = await readAll(tar, chunk);
        const byName = new Map(entries.map((e) => [e.h.name, e]));
        assert.equal(byName.get('short.txt')?.body, 'short');
        assert.equal(byName.get(LONG)?.body, 'long name', `${format}: the long name, prefix or record applied`);
        assert.ok((byName.get(LONG)!.h.mode & 0o400) !== 0, 'mode read');
        if (format !== 'ustar') assert.equal(byName.get('link')?.h.linkname, LONG, 'long link target');
      }
    });
  }

  it('a GNU long name whose 100-byte cut ends with "/" is still a file with its body', async () => {
    const name = `${'x'.repeat(99)}/y.txt`;
    const src = join(dir, 'cut');
    mkdirSync(join(src, 'x'.repeat(99)), { recursive: true });
    writeFileSync(join(src, name), 'body of y');
    writeFileSync(join(src, 'z.txt'), 'after');
    execFileSync('tar', ['--format=gnu', '-cf', join(dir, 'cut.tar'), '-C', src, name, 'z.txt']);
    const e = await readAll(readFileSync(join(dir, 'cut.tar')), 512);
    assert.deepEqual(e.map((x) => [x.h.name, x.h.type, x.body]), [[name, 'file', 'body of y'], ['z.txt', 'file', 'after']]);
  });

  it('reads what tar-stream writes, sizes in base-256 too', async () => {
    const tar = await makeTar([{ name: 'a/', type: 'directory' }, { name: 'a/b', content: 'bee' }, { name: 'dev', type: 'character-device' }]);
    const e = await readAll(tar);
    assert.deepEqual(e.map((x) => [x.h.name, x.h.type, x.body]), [['a/', 'directory', ''], ['a/b', 'file', 'bee'], ['dev', 'character-device', '']]);
    assert.equal(e[2].h.devmajor, 1);
    // the same header with its size in GNU base-256
    const b = Buffer.from(tar);
    const at = 512; // a/b's header
    b.fill(0, at + 124, at + 136);
    b[at + 124] = 0x80;
    b[at + 135] = 3;
    b.fill(0x20, at + 148, at + 156);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += b[at + i];
    b.write(`${sum.toString(8).padStart(6, '0')}\0 `, at + 148, 'latin1');
    assert.equal((await readAll(b)).find((x) => x.h.name === 'a/b')?.body, 'bee');
  });

  it('stops at the end-of-archive block and drains the rest', async () => {
    const tar = Buffer.concat([await makeTar([{ name: 'x', content: 'x' }]), Buffer.alloc(1024), await makeTar([{ name: 'hidden', content: 'y' }])]);
    let seen = 0;
    const r = new TarReader(iterableSource((async function* () {
      for (let i = 0; i < tar.length; i += 100) {
        seen += Math.min(100, tar.length - i);
        yield tar.subarray(i, i + 100);
      }
    })()));
    const names: string[] = [];
    for (let h = await r.next(); h; h = await r.next()) names.push(h.name);
    assert.deepEqual(names, ['x'], 'what follows the end marker is not part of the archive');
    await r.drain();
    assert.equal(seen, tar.length);
  });

  it('refuses bad checksums, truncation and oversized extended headers', async () => {
    const tar = await makeTar([{ name: 'x', content: 'hello' }]);
    const bad = Buffer.from(tar);
    bad[0] ^= 1;
    await assert.rejects(readAll(bad), (e: Error) => e instanceof TarError && /checksum/.test(e.message));
    await assert.rejects(readAll(tar.subarray(0, 515)), (e: Error) => e instanceof TarError && /unexpected end/.test(e.message));
    await assert.rejects(readAll(tar.subarray(0, 300)), (e: Error) => e instanceof TarError && /unexpected end/.test(e.message));
    const pax = Buffer.from(tar.subarray(0, 512));
    pax[156] = 'x'.charCodeAt(0);
    pax.write('00077777777\0', 124, 'latin1');
    pax.fill(0x20, 148, 156);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += pax[i];
    pax.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    await assert.rejects(readAll(pax), (e: Error) => e instanceof TarError && /extended header/.test(e.message));
  });

  it('seeks over bodies in a file without reading them', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 1);
    const tar = await makeTar([{ name: 'big.bin', content: big }, { name: 'small', content: 'ok' }]);
    const p = join(dir, 'seek.tar');
    await writeFile(p, Buffer.concat([Buffer.alloc(1000, 9), tar]));
    const fh = await open(p, 'r');
    try {
      let read = 0;
      let skipped = 0;
      const r = new TarReader(fileSource(fh, 1000, tar.length, { seek: true, onData: (c) => (read += c.length), onSkip: (n) => (skipped += n) }));
      const got: string[] = [];
      for (let h = await r.next(); h; h = await r.next()) if (h.name === 'small') got.push((await r.body()).toString());
      assert.deepEqual(got, ['ok']);
      assert.ok(read < 256 * 1024, `read ${read} bytes`);
      assert.ok(skipped >= big.length - 64 * 1024);
      // reading through: every byte passes once, in order
      const hash = createHash('sha256');
      const r2 = new TarReader(fileSource(fh, 1000, tar.length, { seek: false, onData: (c) => hash.update(c) }));
      while (await r2.next());
      await r2.drain();
      assert.equal(hash.digest('hex'), createHash('sha256').update(tar).digest('hex'));
    } finally {
      await fh.close();
    }
  });

  it('reads a filesystem tarball by offset through openImage, keeping only wanted files', async () => {
    const t = await makeTar([{ name: 'etc/os-release', content: 'ID=x\n' }, { name: 'usr/bin/big', content: Buffer.alloc(2_000_000, 2) }, { name: 'usr/bin/tool', content: 'tool' }]);
    const p = join(dir, 'fs.tar');
    await writeFile(p, t);
    const fs = await openImage(
      { target: { kind: 'test', ref: p }, layers: [{ open: () => Readable.from([t]), locate: async () => ({ path: p, offset: 0, size: t.length }) }] },
      { filter: (i) => i.path !== 'usr/bin/big' },
    );
    assert.deepEqual((await listAll(fs)).filter((e) => e.kind === 'file').map((e) => [e.path, e.size]), [['etc/os-release', 5], ['usr/bin/big', 2_000_000], ['usr/bin/tool', 4]]);
    assert.equal((await fs.readFile('usr/bin/tool')).toString(), 'tool');
    await assert.rejects(fs.readFile('usr/bin/big'), (e: VigilError) => e.rule === 'content-not-kept');
    // kept bodies are read from the file on demand; a file changed since it was verified is refused
    await appendFile(p, Buffer.alloc(512));
    await assert.rejects(fs.readFile('usr/bin/tool'), (e: VigilError) => e.code === 'VIGIL_UNSAFE_ARCHIVE' && e.rule === 'changed-during-scan');
    await fs.close();
    await writeFile(p, t);
    // a diff id that does not verify, on the by-offset path
    await assert.rejects(
      openImage({ target: { kind: 'test', ref: p }, layers: [{ open: () => Readable.from([t]), locate: async () => ({ path: p, offset: 0, size: t.length }), diffId: `sha256:${'0'.repeat(64)}` }] }),
      (e: VigilError) => e.rule === 'digest-mismatch',
    );
    // a truncated range is a corrupt layer
    await assert.rejects(
      openImage({ target: { kind: 'test', ref: p }, layers: [{ open: () => Readable.from([t]), locate: async () => ({ path: p, offset: 0, size: 1500 }) }] }, { filter: () => true }),
      (e: VigilError) => e.rule === 'corrupt-layer',
    );
  });
});
