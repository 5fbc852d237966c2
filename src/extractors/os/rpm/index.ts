/**
 * RPM packages (AlmaLinux, Rocky, RHEL, Fedora, SUSE, ...) from the rpm database in its SQLite
 * form, `rpmdb.sqlite` (rpm 4.16+; the default since Fedora 33, RHEL/AlmaLinux/Rocky 9).
 *
 * The database is opened in memory from the file's bytes (better-sqlite3 deserialization: no temp
 * file, nothing written). Each row of the `Packages` table holds one rpm header blob, parsed here:
 * https://rpm-software-management.github.io/rpm/manual/format_header.html
 * The BerkeleyDB form (`Packages`: CentOS/RHEL 7–8, Amazon Linux 2) is read by ./bdb.ts, a
 * hash-database page reader, and the NDB form (`Packages.db`: SUSE 15 SP3+, openSUSE) by ./ndb.ts,
 * rpm's slot-and-blob package store, into the same header blobs (see README.md).
 */
import Database from 'better-sqlite3';
import { makePurl } from '../../../model/index.ts';
import type { Package } from '../../../model/index.ts';
import type { ExtractContext, Extractor, FileError, OsInfo, ScanFile } from '../../types.ts';
import { named } from '../../file-names.ts';
import { entry as entryOf, fileSink } from '../../entries.ts';
import { BdbError, readBdbHashValues } from './bdb.ts';
import { NdbError, readNdbBlobs } from './ndb.ts';

export const NAME = 'os/rpm';

export const RPMDB_SQLITE_PATHS = ['var/lib/rpm/rpmdb.sqlite', 'usr/lib/sysimage/rpm/rpmdb.sqlite'];
/** The BerkeleyDB form (rpm < 4.16). */
export const RPMDB_BDB_PATHS = ['var/lib/rpm/Packages', 'usr/lib/sysimage/rpm/Packages'];
/** The NDB form (rpm ≥ 4.15 built with it: SUSE Linux Enterprise 15 SP3+, openSUSE). */
export const RPMDB_NDB_PATHS = ['var/lib/rpm/Packages.db', 'usr/lib/sysimage/rpm/Packages.db'];
/** Every rpm database path this extractor reads, in all three forms. */
export const RPMDB_PATHS: readonly string[] = [...RPMDB_SQLITE_PATHS, ...RPMDB_BDB_PATHS, ...RPMDB_NDB_PATHS];

// Header tags (rpmtag.h) and types (rpmtypes: RPM_*_TYPE)
const TAG = { NAME: 1000, VERSION: 1001, RELEASE: 1002, EPOCH: 1003, LICENSE: 1014, ARCH: 1022, SOURCERPM: 1044 } as const;
const TYPE_INT32 = 4;
const TYPE_STRING = 6;
const TYPE_STRING_ARRAY = 8;
const TYPE_I18NSTRING = 9;
/** rpm's own sanity limits (header_internal.h: HEADER_TAGS_MAX, HEADER_DATA_MAX) */
const MAX_TAGS = 0xffff;
const MAX_DATA = 256 * 1024 * 1024;

/** The fields of one installed package this extractor uses. */
export interface RpmHeader {
  name: string;
  version: string;
  release: string;
  /** undefined when the header has no EPOCH tag (rpm then compares it as 0) */
  epoch?: number;
  arch?: string;
  sourceRpm?: string;
  license?: string;
}

/**
 * Parses one header blob as stored in rpmdb.sqlite: `il` and `dl` (big-endian uint32: the index
 * entry count and the data size), `il` 16-byte index entries (tag, type, offset, count), then the
 * data store. Only the tags this extractor needs are decoded; the region tags and the rest are
 * skipped.
 * @throws Error naming the rule the blob broke (the caller records it against the row)
 */
export function parseHeaderBlob(blob: Uint8Array): RpmHeader {
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  if (blob.byteLength < 8) throw new Error('header blob shorter than its 8-byte preamble');
  const il = dv.getUint32(0);
  const dl = dv.getUint32(4);
  if (il < 1 || il > MAX_TAGS) throw new Error(`index entry count ${il} outside 1..${MAX_TAGS}`);
  if (dl > MAX_DATA) throw new Error(`data size ${dl} over ${MAX_DATA}`);
  const dataStart = 8 + il * 16;
  if (dataStart + dl > blob.byteLength) throw new Error(`header claims ${il} entries and ${dl} data bytes but the blob has ${blob.byteLength} bytes`);
  const data = blob.subarray(dataStart, dataStart + dl);
  const ddv = new DataView(data.buffer, data.byteOffset, data.byteLength);

  const cString = (off: number): string => {
    if (off < 0 || off >= data.length) throw new Error(`string offset ${off} outside the data store`);
    const end = data.indexOf(0, off);
    if (end < 0) throw new Error(`string at offset ${off} is not NUL-terminated`);
    return Buffer.from(data.buffer, data.byteOffset + off, end - off).toString('utf8');
  };

  const wanted = new Set<number>(Object.values(TAG));
  const found = new Map<number, string | number>();
  for (let i = 0; i < il; i++) {
    const e = 8 + i * 16;
    const tag = dv.getInt32(e);
    if (!wanted.has(tag)) continue;
    const type = dv.getUint32(e + 4);
    const off = dv.getInt32(e + 8);
    const count = dv.getUint32(e + 12);
    if (type === TYPE_STRING || type === TYPE_I18NSTRING || type === TYPE_STRING_ARRAY) {
      // I18NSTRING/STRING_ARRAY: the first string is the untranslated one (the "C" locale)
      found.set(tag, cString(off));
    } else if (type === TYPE_INT32) {
      if (count < 1 || off < 0 || off + 4 > data.length) throw new Error(`tag ${tag}: int32 at offset ${off} outside the data store`);
      found.set(tag, ddv.getUint32(off));
    } else {
      throw new Error(`tag ${tag} has unexpected type ${type}`);
    }
  }
  const str = (t: number): string | undefined => {
    const v = found.get(t);
    return typeof v === 'string' ? v : undefined;
  };
  const name = str(TAG.NAME);
  const version = str(TAG.VERSION);
  const release = str(TAG.RELEASE);
  if (!name) throw new Error('header has no NAME');
  if (!version) throw new Error(`package "${name}": header has no VERSION`);
  if (release === undefined) throw new Error(`package "${name}": header has no RELEASE`);
  const h: RpmHeader = { name, version, release };
  const epoch = found.get(TAG.EPOCH);
  if (typeof epoch === 'number') h.epoch = epoch;
  const arch = str(TAG.ARCH);
  if (arch) h.arch = arch;
  const srpm = str(TAG.SOURCERPM);
  if (srpm) h.sourceRpm = srpm;
  const license = str(TAG.LICENSE);
  if (license) h.license = license;
  return h;
}

/** "openssl-3.0.7-27.el9.src.rpm" → "openssl" (the name is everything before version-release). */
export function sourceNameFromSrpm(srpm: string): string | undefined {
  const m = /^(.+)-[^-]+-[^-]+\.(?:no)?src\.rpm$/.exec(srpm);
  return m?.[1];
}

/**
 * The inventory version: "version-release", prefixed with "epoch:" only when the epoch is
 * non-zero. That is how the AlmaLinux OSV data writes versions ("1:1.26.0-14.el8_3",
 * "6.12.0-55.38.1.el10_0"), and rpm compares a missing epoch as 0, so both orders agree.
 */
export function rpmVersionString(h: Pick<RpmHeader, 'epoch' | 'version' | 'release'>): string {
  const vr = h.release === '' ? h.version : `${h.version}-${h.release}`;
  return h.epoch ? `${h.epoch}:${vr}` : vr;
}

/** purl namespace and the OSV base name (for an unknown release) per os-release ID. */
const VENDORS: Record<string, { ns: string; eco: string }> = {
  almalinux: { ns: 'almalinux', eco: 'AlmaLinux' },
  rocky: { ns: 'rocky', eco: 'Rocky Linux' },
  rhel: { ns: 'redhat', eco: 'Red Hat' },
  centos: { ns: 'centos', eco: 'CentOS' },
  fedora: { ns: 'fedora', eco: 'Fedora' },
  ol: { ns: 'oracle', eco: 'Oracle Linux' },
  amzn: { ns: 'amazon', eco: 'Amazon Linux' },
  'opensuse-leap': { ns: 'opensuse', eco: 'openSUSE' },
  'opensuse-tumbleweed': { ns: 'opensuse', eco: 'openSUSE' },
  sles: { ns: 'suse', eco: 'SUSE' },
};

export function toPackage(h: RpmHeader, path: string, os: OsInfo | undefined): Package {
  const vendor = (os && VENDORS[os.id]) ?? { ns: os?.id ?? 'rpm', eco: 'RPM' };
  const version = rpmVersionString(h);
  const qualifiers: Record<string, string> = {};
  if (h.arch) qualifiers.arch = h.arch;
  // purl-spec (rpm): the epoch is a qualifier, the purl version is "version-release"
  if (h.epoch) qualifiers.epoch = String(h.epoch);
  if (os?.versionId) qualifiers.distro = `${os.id}-${os.versionId}`;
  const pkg: Package = {
    ecosystem: os?.ecosystem ?? vendor.eco,
    name: h.name,
    version,
    purl: makePurl('rpm', vendor.ns, h.name, rpmVersionString({ version: h.version, release: h.release }), qualifiers),
    sourceName: (h.sourceRpm && sourceNameFromSrpm(h.sourceRpm)) || h.name,
    locations: [path],
    foundBy: NAME,
  };
  if (h.license) pkg.licenses = [h.license];
  return pkg;
}

/**
 * Reads every package header from rpmdb.sqlite bytes. Headers that fail to parse are reported
 * (by row number) and skipped; the `gpg-pubkey` pseudo-packages (imported signing keys, no
 * software) are left out.
 */
export function parseRpmdbSqlite(bytes: Buffer, path: string, os: OsInfo | undefined, errors: FileError[]): Package[] {
  if (bytes.length < 100 || bytes.subarray(0, 16).toString('latin1') !== 'SQLite format 3\0') {
    errors.push({ path, rule: 'parse-error', message: 'not an SQLite database (bad header)' });
    return [];
  }
  const copy = Buffer.from(bytes);
  // rpm keeps the database in WAL mode (header bytes 18-19 = 2); SQLite cannot open a deserialized
  // WAL database, so the copy is marked rollback-journal (1). Content not yet checkpointed into
  // the main file (a leftover rpmdb.sqlite-wal) is not seen.
  copy[18] = 1;
  copy[19] = 1;
  let db: Database.Database | undefined;
  const out: Package[] = [];
  try {
    db = new Database(copy, { readonly: true });
    // a hostile file could make Packages a view (a recursive query that never ends); rpm writes a table
    const kind = (db.prepare("SELECT type FROM sqlite_master WHERE name = 'Packages'").get() as { type?: string } | undefined)?.type;
    if (kind !== 'table') {
      errors.push({ path, rule: 'parse-error', message: `not an rpm database: Packages is ${kind ? `a ${kind}` : 'missing'}, not a table` });
      return [];
    }
    const rows = db.prepare('SELECT hnum, blob FROM Packages ORDER BY hnum').all() as { hnum: number; blob: unknown }[];
    for (const row of rows) {
      if (!(row.blob instanceof Uint8Array)) {
        errors.push({ path, rule: 'parse-error', message: `Packages row ${row.hnum}: blob is not binary` });
        continue;
      }
      const pkg = packageOfBlob(row.blob, `Packages row ${row.hnum}`, path, os, errors);
      if (pkg) out.push(pkg);
    }
  } catch (e) {
    errors.push({ path, rule: 'parse-error', message: `cannot read the rpm SQLite database: ${(e as Error).message}` });
  } finally {
    db?.close();
  }
  return out;
}

/** One header blob as a Package; undefined (with the problem recorded) or for gpg-pubkey. */
function packageOfBlob(blob: Uint8Array, what: string, path: string, os: OsInfo | undefined, errors: FileError[]): Package | undefined {
  let h: RpmHeader;
  try {
    h = parseHeaderBlob(blob);
  } catch (e) {
    errors.push({ path, rule: 'parse-error', message: `${what}: ${(e as Error).message}` });
    return undefined;
  }
  if (h.name === 'gpg-pubkey') return undefined;
  return entryOf(fileSink({ fileErrors: errors }, path), `${what} (${h.name})`, () => toPackage(h, path, os));
}

/**
 * Runs a page or slot reader over a database file: a file it refuses (`refused` says which
 * errors are that) is one parse-error, each per-record problem another; the rest is returned.
 */
function readDbFile<R extends { problems: string[] }>(form: string, path: string, errors: FileError[], read: () => R, refused: (e: unknown) => e is Error): R | undefined {
  let r: R;
  try {
    r = read();
  } catch (e) {
    if (!refused(e)) throw e;
    errors.push({ path, rule: 'parse-error', message: `not an rpm ${form} database: ${e.message}` });
    return undefined;
  }
  for (const p of r.problems) errors.push({ path, rule: 'parse-error', message: `rpm ${form} database: ${p}` });
  return r;
}

/**
 * Packages of an rpm database in BerkeleyDB form (`Packages`, a Berkeley DB hash database whose
 * values are header blobs). The 4-byte record rpm keeps under key 0 (the next free header
 * instance) is no header and is skipped; an unreadable value is a per-value error.
 */
export function parseRpmdbBdb(bytes: Buffer, path: string, os: OsInfo | undefined, errors: FileError[]): Package[] {
  const r = readDbFile('BerkeleyDB', path, errors, () => readBdbHashValues(bytes), (e) => e instanceof BdbError);
  // v.value.length 4: the instance counter
  return (r?.values ?? []).flatMap((v) => (v.value.length === 4 ? [] : packageOfBlob(v.value, `header on page ${v.page}`, path, os, errors) ?? []));
}

/**
 * Packages of an rpm database in NDB form (`Packages.db`: a slot table and checksummed blobs, each
 * a header blob). A broken slot or blob is a per-package error; the rest is read.
 */
export function parseRpmdbNdb(bytes: Buffer, path: string, os: OsInfo | undefined, errors: FileError[]): Package[] {
  const r = readDbFile('NDB', path, errors, () => readNdbBlobs(bytes), (e) => e instanceof NdbError);
  return (r?.blobs ?? []).flatMap((b) => packageOfBlob(b.blob, `package ${b.pkgIdx}`, path, os, errors) ?? []);
}

/** The packages of an rpm database at one of RPMDB_PATHS, read in the form its name says. */
export function parseRpmdb(path: string, bytes: Buffer, os: OsInfo | undefined, errors: FileError[]): Package[] {
  if (RPMDB_BDB_PATHS.includes(path)) return parseRpmdbBdb(bytes, path, os, errors);
  if (RPMDB_NDB_PATHS.includes(path)) return parseRpmdbNdb(bytes, path, os, errors);
  return parseRpmdbSqlite(bytes, path, os, errors);
}

export const rpmExtractor: Extractor = {
  name: NAME,
  version: 1,
  fileRequired: named({ names: RPMDB_PATHS.map((p) => p.slice(p.lastIndexOf('/') + 1)) }, (path) => RPMDB_PATHS.includes(path)),
  async extract(file: ScanFile, ctx: ExtractContext): Promise<Package[]> {
    return parseRpmdb(file.info.path, await file.read(), ctx.os, ctx.fileErrors);
  },
};
