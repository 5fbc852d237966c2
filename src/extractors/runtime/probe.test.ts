import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ScanFile } from '../types.ts';
import { probeAll, probeFile, type Probe } from './probe.ts';

/** A ScanFile over bytes that hands them out in chunks of exactly the size asked. */
const chunked = (b: Buffer, counted?: { bytes: number }): ScanFile => ({
  info: { path: 'x', kind: 'file', size: b.length },
  read: async () => b,
  async *chunks(n: number) {
    for (let i = 0; i < b.length; i += n) {
      if (counted) counted.bytes += Math.min(n, b.length - i);
      yield b.subarray(i, i + n);
    }
  },
});

const VERSION: Probe = { anchor: 'ver ', before: 2, after: 10, re: /^(?:..)?ver (\d+\.\d+\.\d+)\x00/s };

test('a hit is found whatever the chunk boundaries, each hit once, in file order', async () => {
  const b = Buffer.concat([Buffer.alloc(37, 0xaa), Buffer.from('\0ver 1.2.3\0'), Buffer.alloc(5), Buffer.from('xxver 4.5.6\0ver 7.8\0ver 9.9.9\0'), Buffer.alloc(3)]);
  const whole = await probeAll({ info: { path: 'x', kind: 'file', size: b.length }, read: async () => b }, VERSION);
  assert.deepEqual(whole, ['1.2.3', '4.5.6', '9.9.9']);
  for (let n = 1; n <= b.length + 1; n++) {
    const seen: string[] = [];
    await probeFile(chunked(b), VERSION, (m) => void seen.push(m[1]), n);
    assert.deepEqual(seen, ['1.2.3', '4.5.6', '9.9.9'], `chunk size ${n}`);
  }
});

test('reading stops at the hit the caller wanted: no more chunks are read', async () => {
  const b = Buffer.concat([Buffer.from('ver 1.0.0\0'), Buffer.alloc(1 << 20)]);
  const counted = { bytes: 0 };
  await probeFile(chunked(b, counted), VERSION, () => true, 4096);
  assert.equal(counted.bytes, 4096);
});

test('an anchor at the very end, with less than `after` bytes left, is still tried', async () => {
  const b = Buffer.from('....ver 2.0.0\0');
  assert.deepEqual(await probeAll(chunked(b), VERSION), ['2.0.0']);
  assert.deepEqual(await probeAll(chunked(Buffer.alloc(0)), VERSION), []);
});
