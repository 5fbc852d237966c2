/**
 * Reads the values of a Berkeley DB hash database — the format of rpm's BerkeleyDB backend
 * (`/var/lib/rpm/Packages` on CentOS/RHEL 7–8, Amazon Linux 2, older SUSE), where each value is
 * one rpm header blob. Pure and bounded: bytes in, values out; nothing of Berkeley DB's own
 * library is used.
 *
 * Layout (Berkeley DB 4.x–5.x `dbinc/db_page.h`):
 * - page 0 is the hash metadata page: `DBMETA` (lsn 8, pgno 4, magic 4 = 0x061561, version 4,
 *   pagesize 4, encrypt_alg 1, type 1 = P_HASHMETA 8, metaflags 1, unused 1, free 4,
 *   last_pgno 4, …). The magic's byte order is the database's byte order.
 * - every other page starts with a 26-byte header: lsn 8, pgno 4, prev_pgno 4, next_pgno 4,
 *   entries 2, hf_offset 2, level 1, type 1; hash pages (P_HASH 13, P_HASH_UNSORTED 2) then hold
 *   `entries` 2-byte item offsets, items alternating key, value. An item's length is the distance
 *   to the previous item's offset (the first runs to the page end); its first byte is its type:
 *   H_KEYDATA 1 (the bytes follow), H_OFFPAGE 3 (4 unused bytes… then pgno 4 and total length 4
 *   at offsets 4 and 8: the value is on a chain of P_OVERFLOW 7 pages, each holding hf_offset
 *   bytes after its header, linked by next_pgno), H_DUPLICATE 2 / H_OFFDUP 4 (sorted duplicates:
 *   not used by rpm, reported).
 * Encrypted and checksummed databases (a different page header) are refused.
 */

const HASH_MAGIC = 0x061561;
const P_HASH_UNSORTED = 2;
const P_OVERFLOW = 7;
const P_HASHMETA = 8;
const P_HASH = 13;
const H_KEYDATA = 1;
const H_DUPLICATE = 2;
const H_OFFPAGE = 3;
const H_OFFDUP = 4;
const PAGE_HEADER = 26;
/** DBMETA flag: pages carry a checksum (and a longer header) */
const DBMETA_CHKSUM = 0x01;

export class BdbError extends Error {}

export interface BdbValue {
  /** the page the value's item is on (for messages) */
  page: number;
  value: Buffer;
}

export interface BdbRead {
  values: BdbValue[];
  /** per-value problems (a broken overflow chain, a duplicate set): the rest is still read */
  problems: string[];
}

/**
 * All values of a Berkeley DB hash database, in page order.
 * @throws BdbError when the file is not a hash database this reader can read (bad magic, page
 *   size, type, encrypted or checksummed)
 */
export function readBdbHashValues(buf: Buffer, maxTotal = 512 * 1024 * 1024): BdbRead {
  if (buf.length < 512) throw new BdbError(`too short for a Berkeley DB file (${buf.length} bytes)`);
  let le: boolean;
  if (buf.readUInt32LE(12) === HASH_MAGIC) le = true;
  else if (buf.readUInt32BE(12) === HASH_MAGIC) le = false;
  else throw new BdbError(`not a Berkeley DB hash database (magic 0x${buf.readUInt32LE(12).toString(16)}; a btree, queue or another file?)`);
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const pageSize = u32(20);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) throw new BdbError(`invalid page size ${pageSize}`);
  if (buf[24] !== 0) throw new BdbError('encrypted database (not supported)');
  if (buf[25] !== P_HASHMETA) throw new BdbError(`page 0 is not a hash metadata page (type ${buf[25]})`);
  if (buf[26] & DBMETA_CHKSUM) throw new BdbError('checksummed database (not supported)');
  const pages = Math.floor(buf.length / pageSize);
  const lastPgno = Math.min(u32(32), pages - 1);

  const values: BdbValue[] = [];
  const problems: string[] = [];
  let total = 0;

  const overflow = (first: number, length: number, where: string): Buffer | undefined => {
    if (length > maxTotal - total) { problems.push(`${where}: a ${length}-byte value exceeds the ${maxTotal}-byte bound`); return undefined; }
    const out = Buffer.allocUnsafe(length);
    let have = 0;
    let pg = first;
    const seen = new Set<number>();
    while (have < length) {
      if (pg === 0 || pg > lastPgno || seen.has(pg)) { problems.push(`${where}: overflow chain broken at page ${pg} after ${have} of ${length} bytes`); return undefined; }
      seen.add(pg);
      const base = pg * pageSize;
      if (buf[base + 25] !== P_OVERFLOW) { problems.push(`${where}: page ${pg} of an overflow chain is not an overflow page (type ${buf[base + 25]})`); return undefined; }
      const len = u16(base + 22);
      if (len > pageSize - PAGE_HEADER || len > length - have) { problems.push(`${where}: overflow page ${pg} claims ${len} bytes`); return undefined; }
      buf.copy(out, have, base + PAGE_HEADER, base + PAGE_HEADER + len);
      have += len;
      pg = u32(base + 16);
    }
    return out;
  };

  for (let pg = 1; pg <= lastPgno; pg++) {
    const base = pg * pageSize;
    const type = buf[base + 25];
    if (type !== P_HASH && type !== P_HASH_UNSORTED) continue;
    const entries = u16(base + 20);
    if (PAGE_HEADER + 2 * entries > pageSize) { problems.push(`page ${pg}: ${entries} entries do not fit the page`); continue; }
    // values are the odd items (0 = key, 1 = value, …)
    for (let i = 1; i < entries; i += 2) {
      const off = u16(base + PAGE_HEADER + 2 * i);
      const end = u16(base + PAGE_HEADER + 2 * (i - 1));
      const where = `page ${pg} item ${i}`;
      if (off < PAGE_HEADER + 2 * entries || end > pageSize || off >= end) { problems.push(`${where}: offsets ${off}–${end} outside the page`); continue; }
      const itemType = buf[base + off];
      if (itemType === H_KEYDATA) {
        const v = Buffer.from(buf.subarray(base + off + 1, base + end));
        total += v.length;
        values.push({ page: pg, value: v });
      } else if (itemType === H_OFFPAGE) {
        if (end - off < 12) { problems.push(`${where}: off-page item too short`); continue; }
        const v = overflow(u32(base + off + 4), u32(base + off + 8), where);
        if (v) { total += v.length; values.push({ page: pg, value: v }); }
      } else if (itemType === H_DUPLICATE || itemType === H_OFFDUP) {
        problems.push(`${where}: duplicate values (not used by rpm's database) skipped`);
      } else {
        problems.push(`${where}: unknown item type ${itemType}`);
      }
      if (total > maxTotal) { problems.push(`stopped: values exceed ${maxTotal} bytes`); return { values, problems }; }
    }
  }
  return { values, problems };
}
