/**
 * Hostile archives for tests and bench/hostile.ts, built at run time and small on disk: a gzip
 * layer whose first file is gigabytes of zeros (repeated gzip members, so building it costs one
 * compression of 64 MiB), tar.gz files of many long names, JARs whose central directory points
 * many entries at one stored entry, and jars nested deeper than any real one.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGzip, gzipSync } from 'node:zlib';
import { makeZip, type ZipEntrySpec } from './zip.ts';

/** A ustar header (type '0' file, '5' directory), checksum filled in. */
export function tarHeader(name: string, size: number, type = '0'): Buffer {
  const h = Buffer.alloc(512);
  h.write(name.slice(0, 100), 0, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

const ZEROS_MEMBER_BYTES = 64 * 1024 * 1024;
let zerosMember: Buffer<ArrayBuffer> | null = null;

/**
 * A gzip layer: a file `bigName` of `bigBytes` zeros (a multiple of 64 MiB) first, then the
 * complete tar `after` (its entries and end blocks). Concatenated gzip members (RFC 1952 §2.2), so
 * a 2 GiB file costs ~2 MB and one compression of 64 MiB; the zeros' ratio is about 1029.
 */
export function zeroFirstLayer(bigName: string, bigBytes: number, after: Buffer): Buffer {
  if (bigBytes % ZEROS_MEMBER_BYTES !== 0) throw new Error('bigBytes must be a multiple of 64 MiB');
  zerosMember ??= gzipSync(Buffer.alloc(ZEROS_MEMBER_BYTES), { level: 9 });
  const parts = [gzipSync(tarHeader(bigName, bigBytes))];
  for (let i = 0; i < bigBytes / ZEROS_MEMBER_BYTES; i++) parts.push(zerosMember);
  parts.push(gzipSync(after));
  return Buffer.concat(parts);
}

/**
 * Writes a tar.gz of `count` files whose names (GNU long-name entries) are `nameChars` characters,
 * then the complete tar `after`. Returns the bytes written.
 */
export async function writeNameBomb(path: string, count: number, nameChars: number, after: Buffer = Buffer.alloc(1024)): Promise<number> {
  const gz = createGzip({ level: 6 });
  const out = createWriteStream(path);
  gz.pipe(out);
  const pad = 'n'.repeat(Math.max(0, nameChars - 12));
  for (let i = 0; i < count; i++) {
    const name = Buffer.from(`${pad}${String(i).padStart(12, '0')}`);
    const body = Buffer.alloc(Math.ceil(name.length / 512) * 512);
    name.copy(body);
    const chunk = Buffer.concat([tarHeader('././@LongLink', name.length, 'L'), body, tarHeader('long', 0)]);
    if (!gz.write(chunk)) await once(gz, 'drain');
  }
  gz.end(after);
  await once(out, 'finish');
  return out.bytesWritten;
}

/**
 * A JAR whose central directory points `copies` entries (lib/copy-N.jar) at one stored entry
 * holding `inner` (a jar of `innerBytes`, stored): one copy's bytes read `copies` times.
 */
export function overlappingJar(inner: Buffer, copies: number, extra: ZipEntrySpec[] = []): Buffer {
  const zip = makeZip([{ name: 'lib/copy-0.jar', data: inner, store: true }, ...extra]);
  // the central directory of makeZip's output: re-point `copies` entries at the first local header
  const eocd = zip.length - 22;
  const cdSize = zip.readUInt32LE(eocd + 12);
  const cdOff = zip.readUInt32LE(eocd + 16);
  const first = zip.subarray(cdOff, cdOff + 46 + zip.readUInt16LE(cdOff + 28));
  const rest = zip.subarray(cdOff + first.length, cdOff + cdSize);
  const cds: Buffer[] = [first];
  for (let i = 1; i < copies; i++) {
    const name = Buffer.from(`lib/copy-${i}.jar`);
    const c = Buffer.from(first.subarray(0, 46));
    c.writeUInt16LE(name.length, 28);
    cds.push(c, name);
  }
  cds.push(rest);
  const cd = Buffer.concat(cds);
  const end = Buffer.from(zip.subarray(eocd));
  const n = copies + extra.length;
  end.writeUInt16LE(n, 8);
  end.writeUInt16LE(n, 10);
  end.writeUInt32LE(cd.length, 12);
  return Buffer.concat([zip.subarray(0, cdOff), cd, end]);
}

/** pom.properties of a Maven artifact. */
export function pomProperties(group: string, artifact: string, version: string): ZipEntrySpec {
  return { name: `META-INF/maven/${group}/${artifact}/pom.properties`, data: `groupId=${group}\nartifactId=${artifact}\nversion=${version}\n` };
}

/** A jar nested `depth` times (depth 0: a plain jar with `leaf`'s pom.properties). */
export function nestedJar(depth: number, leaf: ZipEntrySpec): Buffer {
  let jar = makeZip([leaf]);
  for (let d = 1; d <= depth; d++) jar = makeZip([{ name: `lib/level-${d}.jar`, data: jar, store: true }]);
  return jar;
}

/**
 * A zstd frame (RFC 8878) built by hand from raw blocks (the bytes given) and RLE blocks (runs of
 * zeros): 2 GiB of zeros cost 64 KB. No compressor needed.
 */
export function zstdFrame(parts: (Buffer | { zeros: number })[]): Buffer {
  const MAX = 128 * 1024;
  const out: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 7 << 3])]; // magic; no content size, checksum or dictionary; window 2^17
  const blocks: [type: 0 | 1, size: number, body: Buffer][] = [];
  for (const p of parts) {
    if (Buffer.isBuffer(p)) for (let at = 0; at < p.length; at += MAX) blocks.push([0, Math.min(MAX, p.length - at), p.subarray(at, at + MAX)]);
    else for (let left = p.zeros; left > 0; left -= MAX) blocks.push([1, Math.min(MAX, left), Buffer.from([0])]);
  }
  blocks.forEach(([type, size, body], i) => {
    const h = (size << 3) | (type << 1) | (i === blocks.length - 1 ? 1 : 0);
    out.push(Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]), body);
  });
  return Buffer.concat(out);
}
