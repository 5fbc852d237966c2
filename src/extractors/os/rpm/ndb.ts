/**
 * Reads the package blobs of an rpm NDB database — `Packages.db`, rpm's own "new database" format
 * (SUSE Linux Enterprise 15 SP3+, openSUSE Leap 15.3+ and Tumbleweed), where each blob is one rpm
 * header. Pure and bounded: bytes in, blobs out (views of the input, no copies); nothing of rpm
 * is used. The format is rpm's `lib/backend/ndb/rpmpkg.c` (every integer little-endian):
 * - a 32-byte file header: magic `RpmP`, version 0, generation, the number of slot pages, the
 *   next package index, 12 reserved bytes;
 * - then that many 4096-byte slot pages (the first begins with the file header, so its slots
 *   start at byte 32): 16-byte slots of magic `Slot`, package index, block offset, block count.
 *   A block offset of 0 is a free slot;
 * - the blobs, in 16-byte blocks after the slot pages: a 16-byte head (magic `BlbS`, package
 *   index, generation, blob length), the blob, zero padding, and a 12-byte tail at the end of the
 *   slot's last block (Adler-32 of head + blob + padding, blob length, magic `BlbE`). The slot's
 *   block count is exactly ceil((16 + length + 12) / 16).
 * Every slot is checked as rpm checks it on open and read (magic, offsets inside the file and past
 * the slot pages, block count, head and tail, checksum), and blobs may not overlap, so the work is
 * bounded by the file's size. A broken slot or blob is a problem and the rest is still read.
 */

const PKGDB_MAGIC = 0x506d7052; // 'RpmP'
const SLOT_MAGIC = 0x746f6c53; // 'Slot'
const BLOBHEAD_MAGIC = 0x53626c42; // 'BlbS'
const BLOBTAIL_MAGIC = 0x45626c42; // 'BlbE'
const PAGE_SIZE = 4096;
const SLOT_SIZE = 16;
const BLK_SIZE = 16;
const HEADER_SIZE = 32;
const BLOBHEAD_SIZE = 16;
const BLOBTAIL_SIZE = 12;
/** problems kept word for word; past this they are only counted */
const MAX_PROBLEMS = 50;

export class NdbError extends Error {}

export interface NdbBlob {
  /** rpm's package index (the header number `rpm -q --qf '%{DBINSTANCE}'` shows) */
  pkgIdx: number;
  blob: Buffer;
}

export interface NdbRead {
  /** in package-index order */
  blobs: NdbBlob[];
  /** per-slot problems (a slot or blob that breaks a rule): the rest is still read */
  problems: string[];
}

/** RFC 1950's Adler-32, as rpmpkg.c computes it (starting at 1). */
export function adler32(buf: Uint8Array, start = 1): number {
  let a = start & 0xffff;
  let b = (start >>> 16) & 0xffff;
  for (let i = 0; i < buf.length; ) {
    // 5552 bytes is the most that can be summed before the 32-bit sums must be reduced (zlib's NMAX)
    const end = Math.min(buf.length, i + 5552);
    for (; i < end; i++) {
      a += buf[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/**
 * All live package blobs of an NDB `Packages.db`.
 * @throws NdbError when the file is not an NDB package database this reader can read (too short,
 *   bad magic, unknown version, slot pages past the end of the file)
 */
export function readNdbBlobs(buf: Buffer, maxTotal = 512 * 1024 * 1024): NdbRead {
  if (buf.length < HEADER_SIZE) throw new NdbError(`too short for an NDB database (${buf.length} bytes, the header alone is ${HEADER_SIZE})`);
  const magic = buf.readUInt32LE(0);
  if (magic !== PKGDB_MAGIC) throw new NdbError(`bad magic 0x${magic.toString(16).padStart(8, '0')} (an NDB Packages.db starts with "RpmP")`);
  const version = buf.readUInt32LE(4);
  if (version !== 0) throw new NdbError(`NDB version ${version} (only version 0 exists)`);
  const slotPages = buf.readUInt32LE(12);
  if (slotPages < 1) throw new NdbError('the header claims no slot pages');
  if (slotPages > Math.floor(buf.length / PAGE_SIZE)) throw new NdbError(`the header claims ${slotPages} slot pages of ${PAGE_SIZE} bytes but the file has ${buf.length} bytes`);

  const problems: string[] = [];
  let dropped = 0;
  const problem = (m: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(m);
    else dropped++;
  };
  const fileBlocks = Math.floor(buf.length / BLK_SIZE);
  const firstBlobBlock = (slotPages * PAGE_SIZE) / BLK_SIZE;

  // the slots, as rpmpkgReadSlots checks them
  const slots: { slot: number; pkgIdx: number; off: number; count: number }[] = [];
  for (let slot = HEADER_SIZE / SLOT_SIZE; slot < (slotPages * PAGE_SIZE) / SLOT_SIZE; slot++) {
    const o = slot * SLOT_SIZE;
    if (buf.readUInt32LE(o) !== SLOT_MAGIC) {
      problem(`slot ${slot}: bad slot magic`);
      continue;
    }
    const off = buf.readUInt32LE(o + 8);
    if (off === 0) continue; // free
    const pkgIdx = buf.readUInt32LE(o + 4);
    const count = buf.readUInt32LE(o + 12);
    if (pkgIdx === 0 || count === 0) problem(`slot ${slot}: package index ${pkgIdx} and block count ${count} must both be non-zero`);
    else if (off < firstBlobBlock) problem(`slot ${slot} (package ${pkgIdx}): block offset ${off} points into the slot pages (blobs start at block ${firstBlobBlock})`);
    else if (off + count > fileBlocks) problem(`slot ${slot} (package ${pkgIdx}): blocks ${off}+${count} run past the end of the file (${fileBlocks} blocks)`);
    else slots.push({ slot, pkgIdx, off, count });
  }

  // blobs in file order: an overlap (two slots sharing blocks) drops the later one
  slots.sort((a, b) => a.off - b.off || a.slot - b.slot);
  const seen = new Set<number>();
  const blobs: NdbBlob[] = [];
  let end = 0;
  let total = 0;
  for (const s of slots) {
    const what = `slot ${s.slot} (package ${s.pkgIdx})`;
    if (s.off < end) { problem(`${what}: its blocks overlap another package's`); continue; }
    if (seen.has(s.pkgIdx)) { problem(`${what}: a second slot for the same package index`); continue; }
    const start = s.off * BLK_SIZE;
    const stop = (s.off + s.count) * BLK_SIZE;
    if (stop - start < BLOBHEAD_SIZE + BLOBTAIL_SIZE) { problem(`${what}: ${s.count} block(s) cannot hold a blob head and tail`); continue; }
    if (buf.readUInt32LE(start) !== BLOBHEAD_MAGIC) { problem(`${what}: no blob head ("BlbS") at block ${s.off}`); continue; }
    if (buf.readUInt32LE(start + 4) !== s.pkgIdx) { problem(`${what}: the blob head names package ${buf.readUInt32LE(start + 4)}`); continue; }
    const len = buf.readUInt32LE(start + 12);
    if (Math.ceil((BLOBHEAD_SIZE + len + BLOBTAIL_SIZE) / BLK_SIZE) !== s.count) { problem(`${what}: a ${len}-byte blob does not fill the slot's ${s.count} blocks`); continue; }
    const tail = stop - BLOBTAIL_SIZE;
    if (buf.readUInt32LE(tail + 8) !== BLOBTAIL_MAGIC || buf.readUInt32LE(tail + 4) !== len) { problem(`${what}: the blob tail ("BlbE" and the length) is missing or disagrees`); continue; }
    if (adler32(buf.subarray(start, tail)) !== buf.readUInt32LE(tail)) { problem(`${what}: Adler-32 checksum mismatch`); continue; }
    if (len > maxTotal - total) { problem(`stopped at ${what}: blobs exceed ${maxTotal} bytes`); break; }
    total += len;
    end = s.off + s.count;
    seen.add(s.pkgIdx);
    blobs.push({ pkgIdx: s.pkgIdx, blob: buf.subarray(start + BLOBHEAD_SIZE, start + BLOBHEAD_SIZE + len) });
  }
  if (dropped) problems.push(`… and ${dropped} more problems`);
  blobs.sort((a, b) => a.pkgIdx - b.pkgIdx);
  return { blobs, problems };
}
