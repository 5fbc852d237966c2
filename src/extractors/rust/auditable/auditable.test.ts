import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ExtractContext, ScanFile } from '../../types.ts';
import { auditableExtractor } from './index.ts';
import { EXE_HEAD_BYTES, exeFormat, mayHaveSection, num, parseExe, sectionData } from '../../go/binary/exe.ts';
import { bytesReader, openableFile } from '../../testkit.ts';

const td = (p: string): Buffer => readFileSync(new URL(`testdata/${p}`, import.meta.url));
const file = (path: string, data: Buffer): ScanFile => ({ info: { path, kind: 'file', size: data.length, mode: 0o100755 }, read: async () => data });
const ctx = (): ExtractContext => ({ readFile: async () => null, fileErrors: [] });

test('.dep-v0 section (objcopy-made, see testdata/make-fixture.sh): crates listed, local root skipped, build deps dev', async () => {
  const c = ctx();
  const pkgs = await auditableExtractor.extract(file('usr/local/bin/myapp', td('happy/auditable.elf')), c);
  assert.deepEqual(pkgs.map((p) => `${p.name}@${p.version}${p.dev ? ' dev' : ''}`), ['cc@1.0.83 dev', 'libc@0.2.147', 'serde@1.0.188', 'forked@0.2.0']);
  assert.equal(pkgs[1].purl, 'pkg:cargo/libc@0.2.147');
  assert.equal(pkgs[1].foundBy, 'rust/auditable');
  assert.deepEqual(c.fileErrors, []);
});

test('sad: corrupt section is recorded; a plain ELF and a script give nothing', async () => {
  const c = ctx();
  assert.deepEqual(await auditableExtractor.extract(file('bad', td('sad/bad-zlib.elf')), c), []);
  assert.equal(c.fileErrors.length, 1);
  assert.match(c.fileErrors[0].message, /not zlib-compressed JSON/);
  assert.deepEqual(await auditableExtractor.extract(file('plain', td('sad/plain.elf')), c), []);
  assert.deepEqual(await auditableExtractor.extract(file('s', Buffer.from('#!/bin/sh\necho hi\n'.repeat(10))), c), []);
  assert.equal(c.fileErrors.length, 1);
});

// issue 20: a directory source offers positioned reads (ScanFile.open); an executable without the section is never read whole
test('positioned reads: the same packages and errors; an executable without .dep-v0 is never read whole', async () => {
  const cases: [string, Buffer, boolean][] = [
    ['happy/auditable.elf', td('happy/auditable.elf'), true],
    ['sad/bad-zlib.elf', td('sad/bad-zlib.elf'), true],
    ['sad/plain.elf', td('sad/plain.elf'), false],
    ['go (no section)', readFileSync(new URL('../../go/binary/testdata/happy/hello-go1.19', import.meta.url)), false],
    ['script', Buffer.from('#!/bin/sh\necho hi\n'.repeat(10)), false],
  ];
  for (const [name, data, whole] of cases) {
    const c1 = ctx();
    const want = await auditableExtractor.extract(file(name, data), c1);
    for (const perRead of [Infinity, 7]) {
      const { file: f, stats } = openableFile(name, data, { perRead });
      const c2 = ctx();
      assert.deepEqual(await auditableExtractor.extract(f, c2), want, name);
      assert.deepEqual(c2.fileErrors, c1.fileErrors, name);
      assert.equal(stats.whole, whole ? 1 : 0, `${name}: read whole`);
      assert.equal(stats.open, 0, `${name}: reader closed`);
    }
  }
});

test('mayHaveSection says no only where parseExe + sectionData find nothing (truncated and corrupted ELF files)', async () => {
  const names = ['.dep-v0'];
  const find = (b: Buffer) => {
    const exe = parseExe(b);
    return exe ? sectionData(b, exe, names) : undefined;
  };
  const check = async (b: Buffer, what: string) => {
    const head = b.length >= EXE_HEAD_BYTES ? b.subarray(0, EXE_HEAD_BYTES) : undefined;
    if (!head || !exeFormat(head)) return;
    const may = await mayHaveSection(bytesReader(b), head, names);
    if (!may) assert.equal(find(b), undefined, what);
    return may;
  };
  const auditable = td('happy/auditable.elf');
  assert.equal(await check(auditable, 'auditable'), true);
  assert.equal(await check(td('sad/plain.elf'), 'plain'), false);
  // a deterministic pseudo-random walk over truncations and byte changes of the header, the section table and the names
  let seed = 20;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  let said = { no: 0, maybe: 0 };
  for (const base of [auditable, td('sad/bad-zlib.elf'), td('sad/plain.elf')]) {
    const shoff = Number(base.readBigUInt64LE(0x28));
    for (let cut = 0; cut <= base.length; cut += Math.max(1, Math.floor(base.length / 97))) await check(base.subarray(0, cut), `cut at ${cut}`);
    for (let i = 0; i < 600; i++) {
      const b = Buffer.from(base);
      for (let k = 1 + rnd(3); k > 0; k--) {
        const region = rnd(3);
        const pos = region === 0 ? 4 + rnd(60) : region === 1 ? shoff + rnd(Math.max(1, base.length - shoff)) : rnd(base.length);
        if (pos < b.length) b[pos] = rnd(3) === 0 ? 0 : rnd(256);
      }
      const may = await check(b, `mutation ${i}`);
      if (may === false) said.no++;
      if (may === true) said.maybe++;
    }
  }
  // both answers were exercised
  assert.ok(said.no > 50 && said.maybe > 50, JSON.stringify(said));
});

test('num reads 64-bit fields as Number(BigInt) does, past 2^53 too, and throws past the end the same way', () => {
  const b = Buffer.alloc(16);
  let seed = 7;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed;
  };
  for (let i = 0; i < 2000; i++) {
    for (let k = 0; k < 16; k++) b[k] = rnd() & 0xff;
    if (i % 3 === 0) b.fill(0, 7, 8); // below 2^56 as well
    for (const le of [true, false]) {
      for (const off of [0, 3, 8]) assert.equal(num(b, off, 8, le), Number(le ? b.readBigUInt64LE(off) : b.readBigUInt64BE(off)));
      assert.throws(() => num(b, 9, 8, le), RangeError);
    }
  }
});
