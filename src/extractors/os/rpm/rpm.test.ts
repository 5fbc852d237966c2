import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, copyFileSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compareRpm } from '../../../versioning/rpm/index.ts';
import { runExtractor } from '../testutil.ts';
import { parseHeaderBlob, rpmExtractor, rpmVersionString, sourceNameFromSrpm } from './index.ts';
import { readBdbHashValues } from './bdb.ts';
import { adler32, readNdbBlobs } from './ndb.ts';
import { HOW, needs } from '../../../../test/helpers/prereq.ts';

const TESTDATA = new URL('./testdata/', import.meta.url).pathname;
const PATH = 'var/lib/rpm/rpmdb.sqlite';
const ALMA = { id: 'almalinux', versionId: '9.3', ecosystem: 'AlmaLinux:9' };
const fixture = (p: string) => readFile(join(TESTDATA, p));
const info = (path: string) => ({ path, kind: 'file' as const, size: 1 });

describe('os/rpm fileRequired', () => {
  it('takes the SQLite, BerkeleyDB and NDB databases', () => {
    assert.equal(rpmExtractor.fileRequired('var/lib/rpm/rpmdb.sqlite', info('')), true);
    assert.equal(rpmExtractor.fileRequired('usr/lib/sysimage/rpm/rpmdb.sqlite', info('')), true);
    assert.equal(rpmExtractor.fileRequired('var/lib/rpm/Packages', info('')), true);
    assert.equal(rpmExtractor.fileRequired('usr/lib/sysimage/rpm/Packages.db', info('')), true);
    assert.equal(rpmExtractor.fileRequired('var/lib/rpm/rpmdb.sqlite-wal', info('')), false);
    assert.equal(rpmExtractor.fileRequired('var/lib/rpm/Name', info('')), false);
  });
});

describe('os/rpm (happy)', () => {
  it('reads a real rpmdb.sqlite made by rpm 4.18', async () => {
    const { packages, errors } = await runExtractor(rpmExtractor, PATH, await fixture('happy/rpmdb.sqlite'), ALMA);
    assert.deepEqual(errors, []);
    // rpmdb.expected.tsv is `rpm -qa` on the same database, written by make-rpmdb.sh
    const expected = (await fixture('happy/rpmdb.expected.tsv')).toString('utf8').trim().split('\n').map((l) => l.split('\t'));
    const got = packages.map((p) => p.name).sort();
    assert.deepEqual(got, expected.map((e) => e[0]));
    for (const [name, evr, arch, srpm, license] of expected) {
      const p = packages.find((x) => x.name === name)!;
      // rpm -qa prints EPOCHNUM (0 when absent); ours drops a zero epoch, which rpm orders the same
      assert.equal(compareRpm(p.version, evr), 0, `${name}: ${p.version} == ${evr}`);
      assert.equal(p.version, evr.replace(/^0:/, ''));
      assert.ok(p.purl?.includes(`arch=${arch}`));
      assert.equal(p.sourceName, sourceNameFromSrpm(srpm));
      assert.deepEqual(p.licenses, [license]);
    }
    const byName = new Map(packages.map((p) => [p.name, p]));
    assert.deepEqual(byName.get('vigil-epoch'), {
      ecosystem: 'AlmaLinux:9', name: 'vigil-epoch', version: '3:2.0-1.el9_3.alma.1',
      purl: 'pkg:rpm/almalinux/vigil-epoch@2.0-1.el9_3.alma.1?arch=noarch&distro=almalinux-9.3&epoch=3',
      sourceName: 'vigil-epoch', locations: [PATH], foundBy: 'os/rpm', licenses: ['GPL-2.0-or-later AND MIT'],
    });
    assert.equal(byName.get('vigil-hello-libs')?.sourceName, 'vigil-hello');
    assert.equal(byName.get('vigil-tilde')?.version, '1.0~rc1-0.1.el9');
  });

  it('agrees with `rpm -qa` run now, when rpm is installed', { skip: needs('rpm', hasRpm(), HOW.apt('rpm')) }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-rpmdb-'));
    try {
      copyFileSync(join(TESTDATA, 'happy/rpmdb.sqlite'), join(dir, 'rpmdb.sqlite'));
      const out = execFileSync('rpm', ['--define', '_db_backend sqlite', '--dbpath', dir, '-qa', '--qf', '%{NAME} %{EPOCHNUM}:%{VERSION}-%{RELEASE}\\n'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const rpmSays = out.trim().split('\n').sort();
      const { packages } = await runExtractor(rpmExtractor, PATH, await fixture('happy/rpmdb.sqlite'), ALMA);
      assert.deepEqual(packages.map((p) => `${p.name} ${p.version.includes(':') ? p.version : `0:${p.version}`}`).sort(), rpmSays);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('versions compare with AlmaLinux OSV versions by the rpm scheme', () => {
    // the OSV data writes "1:1.26.0-14.el8_3" and, for epoch 0, no prefix ("6.12.0-55.38.1.el10_0")
    assert.ok(compareRpm('3:2.0-1.el9_3.alma.1', '3:2.0-1.el9_4') < 0);
    assert.ok(compareRpm('3:2.0-1.el9_3.alma.1', '2:9.0-1.el9') > 0);
    assert.equal(compareRpm(rpmVersionString({ epoch: 0, version: '1.0', release: '1.el9' }), '1.0-1.el9'), 0);
    assert.equal(rpmVersionString({ version: '1.0', release: '1.el9' }), '1.0-1.el9');
    assert.equal(rpmVersionString({ epoch: 2, version: '1.0', release: '1.el9' }), '2:1.0-1.el9');
  });

  it('without an OS: vendor-neutral ecosystem; RHEL uses the redhat namespace', async () => {
    const bytes = await fixture('happy/rpmdb.sqlite');
    const none = await runExtractor(rpmExtractor, PATH, bytes);
    assert.equal(none.packages[0].ecosystem, 'RPM');
    const rhel = await runExtractor(rpmExtractor, PATH, bytes, { id: 'rhel', versionId: '9.3', ecosystem: 'Red Hat:enterprise_linux:9' });
    assert.match(rhel.packages[0].purl ?? '', /^pkg:rpm\/redhat\//);
  });

  it('sourceNameFromSrpm', () => {
    assert.equal(sourceNameFromSrpm('openssl-3.0.7-27.el9.src.rpm'), 'openssl');
    assert.equal(sourceNameFromSrpm('python-urllib3-1.26.5-5.el9.src.rpm'), 'python-urllib3');
    assert.equal(sourceNameFromSrpm('foo-1.0-1.nosrc.rpm'), 'foo');
    assert.equal(sourceNameFromSrpm('garbage'), undefined);
  });
});

describe('os/rpm (sad)', () => {
  it('reports corrupt header blobs by row and keeps the good ones', async () => {
    const { packages, errors } = await runExtractor(rpmExtractor, PATH, await fixture('sad/rpmdb-corrupt.sqlite'), ALMA);
    assert.equal(packages.length, 2);
    assert.equal(errors.length, 2);
    assert.match(errors[0].message, /^Packages row 2: header claims \d+ entries and \d+ data bytes but the blob has 100 bytes$/);
    assert.equal(errors[1].message, 'Packages row 3: index entry count 0 outside 1..65535');
  });
  it('an SQLite file without a Packages table', async () => {
    const { packages, errors } = await runExtractor(rpmExtractor, PATH, await fixture('sad/not-rpmdb.sqlite'));
    assert.deepEqual(packages, []);
    assert.match(errors[0].message, /not an rpm database: Packages is missing, not a table/);
  });
  it('not SQLite at all', async () => {
    const { packages, errors } = await runExtractor(rpmExtractor, PATH, await fixture('sad/garbage.sqlite'));
    assert.deepEqual(packages, []);
    assert.equal(errors[0].message, 'not an SQLite database (bad header)');
  });
  it('parseHeaderBlob rejects short and inconsistent blobs', () => {
    assert.throws(() => parseHeaderBlob(Buffer.alloc(4)), /preamble/);
    const b = Buffer.alloc(8 + 16);
    b.writeUInt32BE(1, 0);
    b.writeUInt32BE(4, 4);
    assert.throws(() => parseHeaderBlob(b), /blob has 24 bytes/);
    b.writeUInt32BE(0, 4);
    assert.throws(() => parseHeaderBlob(b), /no NAME/);
  });
});

function hasRpm(): boolean {
  try {
    execFileSync('rpm', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('hostile rpmdb.sqlite', () => {
  it('refuses a Packages view (a query that never ends) instead of running it', async () => {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(':memory:');
    db.exec('CREATE VIEW Packages AS WITH RECURSIVE n(hnum) AS (SELECT 1 UNION ALL SELECT hnum + 1 FROM n) SELECT hnum, zeroblob(16) AS blob FROM n');
    const bytes = db.serialize();
    db.close();
    const path = 'var/lib/rpm/rpmdb.sqlite';
    const { packages, errors } = await runExtractor(rpmExtractor, path, bytes);
    assert.deepEqual(packages, []);
    assert.equal(errors.length, 1);
    assert.match(errors[0].message, /Packages is a view, not a table/);
  });
});

describe('os/rpm BerkeleyDB (CentOS 7 /var/lib/rpm/Packages)', () => {
  const BDB = 'var/lib/rpm/Packages';
  const expected = async () => (await fixture('happy/rpmdb.expected.tsv')).toString('utf8').trim().split('\n').map((l) => l.split('\t'));
  // written by Berkeley DB 5.3 (db5.3_load) from the real headers of rpmdb.sqlite and checked with
  // rpm's own read-only BerkeleyDB backend by make-bdb.sh: overflow pages (4096 LE, 512 BE) and inline values (8192)
  for (const f of ['Packages', 'Packages.be512', 'Packages.le8k']) {
    it(`${f}: the same packages as rpm -qa`, async () => {
      const { packages, errors } = await runExtractor(rpmExtractor, BDB, await fixture(`happy/${f}`), ALMA);
      assert.deepEqual(errors, []);
      const exp = await expected();
      assert.deepEqual(packages.map((p) => p.name).sort(), exp.map((e) => e[0]));
      for (const [name, evr] of exp) assert.equal(packages.find((p) => p.name === name)!.version, evr.replace(/^0:/, ''));
      assert.deepEqual(packages.find((p) => p.name === 'vigil-epoch')?.locations, [BDB]);
      assert.equal(packages.find((p) => p.name === 'vigil-hello-libs')?.sourceName, 'vigil-hello');
    });
  }

  it('agrees with `rpm -qa` (bdb_ro backend) run now, when rpm is installed', { skip: needs('rpm', hasRpm(), HOW.apt('rpm')) }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-rpmbdb-'));
    try {
      copyFileSync(join(TESTDATA, 'happy/Packages.be512'), join(dir, 'Packages'));
      const out = execFileSync('rpm', ['--define', '_db_backend bdb_ro', '--dbpath', dir, '-qa', '--qf', '%{NAME} %{EPOCHNUM}:%{VERSION}-%{RELEASE}\\n'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const { packages } = await runExtractor(rpmExtractor, BDB, await fixture('happy/Packages.be512'), ALMA);
      assert.deepEqual(packages.map((p) => `${p.name} ${p.version.includes(':') ? p.version : `0:${p.version}`}`).sort(), out.trim().split('\n').sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sad: not Berkeley DB, a btree, truncated, a broken overflow chain, a bad item offset', async () => {
    const run = async (b: Buffer) => runExtractor(rpmExtractor, BDB, b, ALMA);
    let r = await run(Buffer.alloc(4096));
    assert.deepEqual(r.packages, []);
    assert.match(r.errors[0].message, /^not an rpm BerkeleyDB database: not a Berkeley DB hash database \(magic 0x0/);
    const good = await fixture('happy/Packages');
    const btree = Buffer.from(good);
    btree.writeUInt32LE(0x053162, 12);
    assert.match((await run(btree)).errors[0].message, /not a Berkeley DB hash database \(magic 0x53162/);
    const badSize = Buffer.from(good);
    badSize.writeUInt32LE(1000, 20);
    assert.match((await run(badSize)).errors[0].message, /invalid page size 1000/);
    // cut after the hash pages: the values' overflow pages are gone
    r = await run(good.subarray(0, 3 * 4096));
    assert.deepEqual(r.packages, []);
    assert.equal(r.errors.length, 4);
    assert.ok(r.errors.every((e) => /overflow chain broken at page \d+ after 0 of \d+ bytes/.test(e.message)), JSON.stringify(r.errors));
    // an overflow page turned into another page type: that value is lost, the rest read
    const chain = Buffer.from(good);
    chain[3 * 4096 + 25] = 13;
    r = await run(chain);
    assert.equal(r.packages.length, 3);
    assert.match(r.errors[0].message, /page 3 of an overflow chain is not an overflow page \(type 13\)/);
    // an item offset pointing outside its page
    const inline = Buffer.from(await fixture('happy/Packages.le8k'));
    inline.writeUInt16LE(9000, 8192 + 26 + 2);
    r = await run(inline);
    assert.ok(r.errors.some((e) => /page 1 item 1: offsets 9000/.test(e.message)), JSON.stringify(r.errors));
    assert.ok(r.packages.length >= 2);
  });

  it('readBdbHashValues: a self-referencing overflow chain ends, with the problem named', () => {
    // 512-byte pages, big-endian: each header runs over several overflow pages
    const b = Buffer.from(readFileSync(join(TESTDATA, 'happy/Packages.be512')));
    const first = [...Array(b.length / 512).keys()].find((p) => b[p * 512 + 25] === 7 && b.readUInt32BE(p * 512 + 16) !== 0)!;
    // point an overflow page's next_pgno at itself
    b.writeUInt32BE(first, first * 512 + 16);
    const r = readBdbHashValues(b);
    assert.ok(r.problems.some((p) => p.includes(`overflow chain broken at page ${first}`)), JSON.stringify(r.problems));
    assert.equal(r.values.length, 4); // of 5: four headers and the 4-byte instance counter
  });
});

describe('os/rpm NDB (SUSE /usr/lib/sysimage/rpm/Packages.db)', () => {
  const NDB = 'usr/lib/sysimage/rpm/Packages.db';
  const SLES = { id: 'sles', versionId: '15.3', ecosystem: 'SUSE:Linux Enterprise Server 15 SP3' };
  const tsv = async (p: string) => (await fixture(p)).toString('utf8').trim().split('\n').map((l) => l.split('\t'));
  const sameAsRpmQa = (packages: { name: string; version: string; purl?: string; sourceName?: string; licenses?: string[] }[], exp: string[][]) => {
    assert.deepEqual(packages.map((p) => p.name).sort(), exp.map((e) => e[0]));
    for (const [name, evr, arch, srpm, license] of exp) {
      const p = packages.find((x) => x.name === name)!;
      assert.equal(p.version, evr.replace(/^0:/, ''), name);
      assert.ok(p.purl?.includes(`arch=${arch}`), `${name}: ${p.purl}`);
      assert.equal(p.sourceName, sourceNameFromSrpm(srpm), name);
      assert.deepEqual(p.licenses, [license], name);
    }
  };

  it('Packages.db written by rpm\'s own NDB store: the same packages as rpm -qa on rpmdb.sqlite', async () => {
    // (README, testdata) rpm's lib/backend/ndb/rpmpkg.c stored the headers of rpmdb.sqlite (one deleted and
    // stored again) and read every one back byte for byte
    const { packages, errors } = await runExtractor(rpmExtractor, NDB, await fixture('happy/Packages.db'), ALMA);
    assert.deepEqual(errors, []);
    sameAsRpmQa(packages, await tsv('happy/rpmdb.expected.tsv'));
    assert.deepEqual(packages.find((p) => p.name === 'vigil-epoch')?.locations, [NDB]);
    assert.equal(packages.find((p) => p.name === 'vigil-epoch')?.version, '3:2.0-1.el9_3.alma.1');
  });

  it('the same header blobs as rpmdb.sqlite and in the same package order', async () => {
    const { default: Database } = await import('better-sqlite3');
    const copy = Buffer.from(await fixture('happy/rpmdb.sqlite'));
    copy[18] = copy[19] = 1;
    const db = new Database(copy, { readonly: true });
    const rows = db.prepare('SELECT blob FROM Packages ORDER BY hnum').all() as { blob: Buffer }[];
    db.close();
    const r = readNdbBlobs(await fixture('happy/Packages.db'));
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.blobs.map((b) => b.pkgIdx), [1, 3, 4, 5]);
    assert.deepEqual(new Set(r.blobs.map((b) => b.blob.toString('hex'))), new Set(rows.map((x) => Buffer.from(x.blob).toString('hex'))));
  });

  it('a real SUSE BCI 15.3 database: rpm -qa in that image', async () => {
    // sle15-bci/expected.tsv: `rpm -qa --queryformat` in registry.suse.com/bci/bci-minimal:15.3 (see README)
    const { packages, errors } = await runExtractor(rpmExtractor, NDB, await fixture('happy/sle15-bci/Packages.db'), SLES);
    assert.deepEqual(errors, []);
    sameAsRpmQa(packages, await tsv('happy/sle15-bci/expected.tsv'));
    const bash = packages.find((p) => p.name === 'bash')!;
    assert.equal(bash.purl, 'pkg:rpm/suse/bash@4.4-19.6.1?arch=x86_64&distro=sles-15.3');
    assert.equal(bash.ecosystem, 'SUSE:Linux Enterprise Server 15 SP3');
    // one blob per package (the image has no imported signing keys, no gpg-pubkey to leave out)
    assert.equal(packages.length, 35);
    assert.equal(readNdbBlobs(await fixture('happy/sle15-bci/Packages.db')).blobs.length, 35);
  });

  it('adler32 is RFC 1950\'s', () => {
    assert.equal(adler32(Buffer.from('Wikipedia')), 0x11e60398);
    assert.equal(adler32(Buffer.alloc(0)), 1);
    assert.equal(adler32(Buffer.alloc(100000, 0xff)), 0x149a302c);
  });

  it('sad: not NDB, another version, slot pages past the end; a broken slot or blob loses only its package', async () => {
    const run = async (b: Buffer) => runExtractor(rpmExtractor, NDB, b, ALMA);
    const good = await fixture('happy/Packages.db');
    let r = await run(Buffer.alloc(16));
    assert.deepEqual(r.packages, []);
    assert.equal(r.errors[0].message, 'not an rpm NDB database: too short for an NDB database (16 bytes, the header alone is 32)');
    assert.equal(r.errors[0].rule, 'parse-error');
    assert.match((await run(Buffer.alloc(8192))).errors[0].message, /^not an rpm NDB database: bad magic 0x00000000 \(an NDB Packages\.db starts with "RpmP"\)$/);
    const v1 = Buffer.from(good);
    v1.writeUInt32LE(1, 4);
    assert.match((await run(v1)).errors[0].message, /NDB version 1 \(only version 0 exists\)/);
    const pages = Buffer.from(good);
    pages.writeUInt32LE(0xffffffff, 12);
    assert.match((await run(pages)).errors[0].message, /claims 4294967295 slot pages of 4096 bytes but the file has 9664 bytes/);

    // slot 2 is package 1: its blob's bytes flipped, its slot pointing into the slot page, past the end, at another blob
    const blk = good.readUInt32LE(32 + 8);
    const flip = Buffer.from(good);
    flip[blk * 16 + 100] ^= 0xff;
    r = await run(flip);
    assert.equal(r.packages.length, 3);
    assert.deepEqual(r.errors.map((e) => e.message), ['rpm NDB database: slot 2 (package 1): Adler-32 checksum mismatch']);
    const inSlots = Buffer.from(good);
    inSlots.writeUInt32LE(3, 32 + 8);
    assert.match((await run(inSlots)).errors[0].message, /slot 2 \(package 1\): block offset 3 points into the slot pages \(blobs start at block 256\)/);
    r = await run(good.subarray(0, good.length - 16));
    assert.equal(r.packages.length, 3);
    assert.match(r.errors[0].message, /slot 5 \(package 4\): blocks \d+\+\d+ run past the end of the file \(603 blocks\)/);
    const overlap = Buffer.from(good);
    overlap.writeUInt32LE(good.readUInt32LE(48 + 8), 32 + 8);
    overlap.writeUInt32LE(good.readUInt32LE(48 + 12), 32 + 12);
    r = await run(overlap);
    assert.equal(r.packages.length, 3);
    assert.deepEqual(r.errors.map((e) => e.message), ['rpm NDB database: slot 2 (package 1): the blob head names package 5']);
    // the same blob claimed by two slots for its own package: read once
    overlap.writeUInt32LE(5, 32 + 4);
    r = await run(overlap);
    assert.equal(r.packages.length, 3);
    assert.deepEqual(r.errors.map((e) => e.message), ["rpm NDB database: slot 3 (package 5): its blocks overlap another package's"]);
    const magic = Buffer.from(good);
    magic.write('Slox', 32, 'latin1');
    r = await run(magic);
    assert.equal(r.packages.length, 3);
    assert.equal(r.errors[0].message, 'rpm NDB database: slot 2: bad slot magic');
  });

  it('hostile: every slot of many slot pages pointing at one blob is read once, problems are capped', () => {
    const good = readFileSync(join(TESTDATA, 'happy/Packages.db'));
    const slot = good.subarray(32, 48);
    // 64 slot pages, all slots a copy of package 1's, then the original blob area moved after them
    const pagesN = 64;
    const blobArea = good.subarray(4096);
    const b = Buffer.alloc(pagesN * 4096 + blobArea.length);
    good.copy(b, 0, 0, 32);
    b.writeUInt32LE(pagesN, 12);
    const shift = ((pagesN - 1) * 4096) / 16;
    for (let o = 32; o < pagesN * 4096; o += 16) {
      slot.copy(b, o);
      b.writeUInt32LE(slot.readUInt32LE(8) + shift, o + 8);
    }
    blobArea.copy(b, pagesN * 4096);
    const r = readNdbBlobs(b);
    assert.equal(r.blobs.length, 1);
    assert.equal(r.problems.length, 51);
    assert.match(r.problems[50], /^… and \d+ more problems$/);
  });
});
