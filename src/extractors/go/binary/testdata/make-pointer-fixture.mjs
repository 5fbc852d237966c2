// Writes pointer-go1.16.elf: a minimal (non-runnable) ELF64 whose `.go.buildinfo` section uses the
// pre-Go-1.18 layout: a header with two pointers to Go string headers {data, len}. No Go < 1.18
// toolchain is installable here (Debian bookworm ships 1.19), so the bytes are laid out as
// src/debug/buildinfo/buildinfo.go reads them; `go version -m pointer-go1.16.elf` (Go 1.19) reads
// it back. The module lines are those of hello-go1.19 (built from src/), with made-up sums.
// Run: node make-pointer-fixture.mjs
import { writeFileSync } from 'node:fs';

const B = 0x400000n;
const version = Buffer.from('go1.16.15');
const start = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
const end = Buffer.from('f932433186182072008242104116d8f2', 'hex');
const body = 'path\texample.com/hello\nmod\texample.com/hello\t(devel)\t\n'
  + 'dep\texample.com/greet\tv1.2.3\th1:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\n'
  + 'dep\texample.com/oldgreet\tv1.0.0\n=>\texample.com/newgreet\tv1.1.0\th1:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb=\n';
const mod = Buffer.concat([start, Buffer.from(body), end]);
const bi = Buffer.alloc(64 + version.length + mod.length);
bi.write('\xff Go buildinf:', 0, 'latin1'); bi[14] = 8; bi[15] = 0;
bi.writeBigUInt64LE(B + 32n, 16); bi.writeBigUInt64LE(B + 48n, 24);
bi.writeBigUInt64LE(B + 64n, 32); bi.writeBigUInt64LE(BigInt(version.length), 40);
bi.writeBigUInt64LE(B + 64n + BigInt(version.length), 48); bi.writeBigUInt64LE(BigInt(mod.length), 56);
version.copy(bi, 64); mod.copy(bi, 64 + version.length);

const dataOff = 0x1000;
const shstr = Buffer.from('\0.go.buildinfo\0.shstrtab\0');
const shstrOff = dataOff + bi.length;
const shoff = Math.ceil((shstrOff + shstr.length) / 8) * 8;
const f = Buffer.alloc(shoff + 3 * 64);
f.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
f.writeUInt16LE(2, 16); f.writeUInt16LE(0x3e, 18); f.writeUInt32LE(1, 20);
f.writeBigUInt64LE(B, 24); f.writeBigUInt64LE(64n, 32); f.writeBigUInt64LE(BigInt(shoff), 40);
f.writeUInt16LE(64, 52); f.writeUInt16LE(56, 54); f.writeUInt16LE(1, 56);
f.writeUInt16LE(64, 58); f.writeUInt16LE(3, 60); f.writeUInt16LE(2, 62);
// PT_LOAD covering the section
f.writeUInt32LE(1, 64); f.writeUInt32LE(6, 68); f.writeBigUInt64LE(BigInt(dataOff), 72);
f.writeBigUInt64LE(B, 80); f.writeBigUInt64LE(B, 88);
f.writeBigUInt64LE(BigInt(bi.length), 96); f.writeBigUInt64LE(BigInt(bi.length), 104); f.writeBigUInt64LE(0x1000n, 112);
bi.copy(f, dataOff); shstr.copy(f, shstrOff);
const sh = (i, name, type, flags, addr, off, size, align) => {
  const p = shoff + i * 64;
  f.writeUInt32LE(name, p); f.writeUInt32LE(type, p + 4); f.writeBigUInt64LE(flags, p + 8);
  f.writeBigUInt64LE(addr, p + 16); f.writeBigUInt64LE(BigInt(off), p + 24); f.writeBigUInt64LE(BigInt(size), p + 32);
  f.writeBigUInt64LE(align, p + 48);
};
sh(1, 1, 1, 3n, B, dataOff, bi.length, 16n);
sh(2, 15, 3, 0n, 0n, shstrOff, shstr.length, 1n);
writeFileSync(new URL('happy/pointer-go1.16.elf', import.meta.url), f);
