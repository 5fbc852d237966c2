import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runFormat } from '../../testutil.ts';
import { debianDsaListFormat } from './index.ts';
import { HOW, needs } from '../../../../../test/helpers/prereq.ts';

const here = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url));
const vulndata = fileURLToPath(new URL('../../../../../../shared/vulndata/debian/', import.meta.url));

test('detect: by path and by head, not other text', () => {
  const head = '[29 Mar 2023] DSA-5380-1 xorg-server - security update\n\t{CVE-2023-1393}\n';
  assert.ok(debianDsaListFormat.detect('debian/DSA-list.txt', ''));
  assert.ok(debianDsaListFormat.detect('security-tracker/data/DLA/list', ''));
  assert.ok(debianDsaListFormat.detect('whatever.txt', head));
  assert.ok(debianDsaListFormat.detect('x', '[01 Apr 2023] DLA-3380-1 firmware-nonfree - security update'));
  assert.ok(!debianDsaListFormat.detect('data/CVE/list', 'CVE-2023-1234 (foo)\n\t- pkg 1.0\n'));
  assert.ok(!debianDsaListFormat.detect('a.json', '{"id": "DSA-5380-1"}'));
  assert.ok(!debianDsaListFormat.detect('notes.txt', '[29 Mar 2023] something else'));
});

test('happy: entries, states, annotations, odd spacing', () => {
  const out = runFormat(debianDsaListFormat, [{ path: 'DSA-list.txt', data: here('happy.txt') }]);
  assert.deepEqual(out.errors, []);
  assert.deepEqual(out.records.map((r) => r.id), ['DSA-5380-1', 'DSA-5356-2', 'DSA-4205-1', 'DSA-933-1', 'DLA-179-1', 'DSA-135']);
  const [xorg, sox, eol, hylafax, tz, old] = out.records;

  assert.deepEqual(xorg, {
    id: 'DSA-5380-1',
    modified: '2023-03-29T00:00:00Z',
    published: '2023-03-29T00:00:00Z',
    summary: 'xorg-server - security update',
    upstream: ['CVE-2023-1393'],
    affected: [{
      package: { ecosystem: 'Debian:11', name: 'xorg-server' },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2:1.20.11-1+deb11u6' }] }],
      database_specific: { release: 'bullseye', status: 'fixed' },
    }],
    references: [{ type: 'ADVISORY', url: 'https://security-tracker.debian.org/tracker/DSA-5380-1' }],
  });

  // regression update: no CVEs, related to the first revision
  assert.equal(sox.upstream, undefined);
  assert.deepEqual(sox.related, ['DSA-5356-1']);
  assert.equal(sox.summary, 'sox - regression update');

  // announcement: no affected packages at all
  assert.equal(eol.affected, undefined);
  assert.equal(eol.summary, 'jessie end-of-life');

  assert.deepEqual(hylafax.upstream, ['CVE-2005-3539', 'CVE-2005-3538']);
  assert.deepEqual(hylafax.related, ['DSA-932-1']);
  const [na, fixed, unfixed, eolPkg, nodsa] = hylafax.affected!;
  assert.deepEqual(na, {
    package: { ecosystem: 'Debian:3.0', name: 'hylafax' },
    versions: [],
    database_specific: { release: 'woody', status: 'not-affected', note: 'Vulnerable code not present' },
  });
  assert.deepEqual(fixed.database_specific, { release: 'sarge', status: 'fixed', urgency: 'medium', bugs: [344251] });
  assert.equal(fixed.package!.ecosystem, 'Debian:3.1');
  assert.deepEqual(unfixed.ranges, [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }]);
  assert.equal(unfixed.database_specific!.status, 'unfixed');
  assert.equal(eolPkg.database_specific!.status, 'end-of-life');
  assert.deepEqual(eolPkg.ranges, [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }]);
  assert.deepEqual(nodsa.database_specific, { release: 'sarge', status: 'no-dsa', note: 'Minor issue' });

  // double space before the version, trailing space after it
  assert.deepEqual(tz.affected![0].ranges![0].events, [{ introduced: '0' }, { fixed: '2015b-0squeeze1' }]);
  assert.equal(tz.affected![0].package!.ecosystem, 'Debian:6');

  // pre-2003 ids have no revision; "--" in the title is kept; sid has no number and is skipped
  assert.equal(old.summary, 'libapache-mod-ssl -- buffer overflow / DoS');
  assert.equal(old.related, undefined);
  assert.equal(old.affected!.length, 1);
});

test('sad: every bad line is reported, the rest is kept', () => {
  const out = runFormat(debianDsaListFormat, [{ path: 'sad.txt', data: here('sad.txt') }]);
  assert.deepEqual(out.errors.map((e) => [e.input, e.rule]), [
    ['sad.txt:1', 'orphan-line'],
    ['sad.txt:2', 'bad-head'],
    ['sad.txt:4', 'bad-date'],
    ['sad.txt:7', 'bad-id-line'],
    ['sad.txt:8', 'unknown-release'],
    ['sad.txt:9', 'bad-release-line'],
    ['sad.txt:10', 'bad-release-line'],
    ['sad.txt:11', 'invalid-version'],
    ['sad.txt:12', 'unknown-state'],
    ['sad.txt:13', 'bad-package-name'],
    ['sad.txt:14', 'unknown-line'],
    ['sad.txt:16', 'duplicate-id'],
    ['sad.txt:18', 'bad-head'],
  ]);
  assert.match(out.errors[4].message, /unknown Debian release codename "hamster"/);
  assert.deepEqual(out.records.map((r) => r.id), ['DSA-5002-1']);
  const rec = out.records[0];
  assert.equal(rec.summary, 'pkg - security update');
  assert.equal(rec.upstream, undefined);
  // the invalid version is kept (matching says "unknown" for it), the good line too
  assert.deepEqual(rec.affected!.map((a) => [a.package!.ecosystem, a.ranges![0].events[1]]), [
    ['Debian:11', { fixed: 'a:1.0-1' }],
    ['Debian:12', { fixed: '1.0-2' }],
  ]);
});

test('CRLF line ends and an empty file', () => {
  const crlf = here('happy.txt').toString().replace(/\n/g, '\r\n');
  const out = runFormat(debianDsaListFormat, [{ path: 'DSA-list.txt', data: crlf }]);
  assert.deepEqual(out.errors, []);
  assert.equal(out.records.length, 6);
  assert.deepEqual(out.records[0].affected![0].ranges![0].events[1], { fixed: '2:1.20.11-1+deb11u6' });
  const empty = runFormat(debianDsaListFormat, [{ path: 'DSA-list.txt', data: '' }]);
  assert.deepEqual([empty.records.length, empty.errors.length], [0, 0]);
});

const realSkip = needs('../shared/vulndata', existsSync(`${vulndata}DSA-list.txt`), HOW.vulndata);

test('real data: DSA list, all 5,406 entries', { skip: realSkip }, () => {
  const data = readFileSync(`${vulndata}DSA-list.txt`);
  assert.ok(debianDsaListFormat.detect('debian/DSA-list.txt', data.subarray(0, 4096).toString()));
  const out = runFormat(debianDsaListFormat, [{ path: 'debian/DSA-list.txt', data }]);
  assert.equal(out.records.length, 5406);
  assert.equal(new Set(out.records.map((r) => r.id)).size, 5406);
  // one real data error: DSA-423 gives the package name where the version belongs
  assert.deepEqual(out.errors.map((e) => [e.input, e.rule]), [['debian/DSA-list.txt:17244', 'invalid-version']]);
  const statuses = new Map<string, number>();
  for (const r of out.records) for (const a of r.affected ?? []) {
    const s = a.database_specific!.status as string;
    statuses.set(s, (statuses.get(s) ?? 0) + 1);
  }
  assert.deepEqual(Object.fromEntries(statuses), { fixed: 6926, 'not-affected': 55, unfixed: 3, 'end-of-life': 4 });
  assert.equal(out.records.filter((r) => r.affected === undefined).length, 23);

  const byId = new Map(out.records.map((r) => [r.id, r]));
  const openssl = byId.get('DSA-136')!;
  assert.equal(openssl.published, '2002-07-30T00:00:00Z');
  assert.deepEqual(openssl.upstream, ['CVE-2002-0655', 'CVE-2002-0656', 'CVE-2002-0657', 'CVE-2002-0659']);
  assert.deepEqual(openssl.affected!.map((a) => a.package!.name), ['openssl094', 'openssl095', 'openssl']);
  const chromium = byId.get('DSA-5371-1')!;
  assert.equal(chromium.upstream!.length, 24);
  assert.deepEqual(chromium.affected![0].ranges![0].events, [{ introduced: '0' }, { fixed: '111.0.5563.64-1~deb11u1' }]);
});

test('real data: DLA list, all 3,534 entries', { skip: realSkip }, () => {
  const data = readFileSync(`${vulndata}DLA-list.txt`);
  const out = runFormat(debianDsaListFormat, [{ path: 'debian/DLA-list.txt', data }]);
  assert.deepEqual(out.errors, []);
  assert.equal(out.records.length, 3534);
  assert.equal(new Set(out.records.map((r) => r.id)).size, 3534);
  const byId = new Map(out.records.map((r) => [r.id, r]));
  const dla = byId.get('DLA-3380-1')!;
  assert.equal(dla.affected![0].package!.ecosystem, 'Debian:10');
  assert.equal(dla.affected![0].package!.name, 'firmware-nonfree');
  assert.equal(dla.upstream!.length, 11);
  // DLA-0001-1 .. DLA-0999-1 keep the list's zero-padded spelling
  assert.ok(byId.has('DLA-0001-1'));
  assert.equal(out.records.filter((r) => r.affected === undefined).length, 4);
});

test('fuzz regression: a corrupt revision number is reported, not a loop that ate the heap', () => {
  const data = '[01 Apr 2023] DLA-3380-1202020202020202020202 firmware-nonfree - security update\n\t{CVE-2020-12362}\n\t[buster] - firmware-nonfree 20190114+really20220913-0+deb10u1\n'
    + '[01 Apr 2023] DSA-5356-3 xorg - security update\n\t[bullseye] - xorg 1.0-1\n';
  const out = runFormat(debianDsaListFormat, [{ path: 'DLA-list.txt', data }]);
  assert.deepEqual(out.errors.map((e) => [e.input, e.rule]), [['DLA-list.txt:1', 'bad-revision']]);
  assert.deepEqual(out.records.map((r) => [r.id, r.related ?? []]), [['DLA-3380-1202020202020202020202', []], ['DSA-5356-3', ['DSA-5356-1', 'DSA-5356-2']]]);
});
