/**
 * The import pipeline on both dialects: formats detected inside zips and trees, bad input reported
 * by name and rule and skipped, re-import idempotent, change sets, alias groups, withdrawn records.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { silentLogger } from '../src/log.ts';
import type { OsvRecord } from '../src/model/index.ts';
import { importInputs } from '../src/vulndb/import.ts';
import { dbStatus, packageLookup, searchVulnerabilities, showVulnerability } from '../src/vulndb/query.ts';
import { makeZip } from './helpers/zip.ts';
import { dialects, type TestStore } from './helpers/stores.ts';

const log = silentLogger();

function rec(id: string, over: Partial<OsvRecord> = {}): OsvRecord {
  return {
    schema_version: '1.6.0', id, modified: '2024-01-01T00:00:00Z', published: '2023-12-01T00:00:00Z', summary: `summary of ${id}`,
    affected: [{ package: { ecosystem: 'PyPI', name: 'Django_Rest' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.2' }] }] }],
    ...over,
  };
}

function writeFixtures(root: string) {
  mkdirSync(join(root, 'PyPI'), { recursive: true });
  mkdirSync(join(root, 'loose'), { recursive: true });
  writeFileSync(join(root, 'PyPI', 'all.zip'), makeZip([
    { name: 'PYSEC-2024-1.json', data: JSON.stringify(rec('PYSEC-2024-1', { aliases: ['CVE-2024-0001', 'GHSA-aaaa-bbbb-cccc'] })) },
    { name: 'GHSA-aaaa-bbbb-cccc.json', data: JSON.stringify(rec('GHSA-aaaa-bbbb-cccc', { aliases: ['CVE-2024-0001'], severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }] })) },
    { name: 'PYSEC-2024-2.json', data: JSON.stringify(rec('PYSEC-2024-2', { withdrawn: '2024-02-01T00:00:00Z' })) },
    // bad records: each reported, none fatal
    { name: 'PYSEC-2024-3.json', data: JSON.stringify({ id: 'PYSEC-2024-3', modified: 'yesterday' }) },
    { name: 'PYSEC-2024-4.json', data: JSON.stringify(rec('PYSEC-2024-4', { affected: [{ package: { ecosystem: 'PyPI', name: 'x' }, ranges: [{ type: 'GIT', events: [{ introduced: '0' }] }] }] })) },
    { name: 'PYSEC-2024-5.json', data: '{"id": "PYSEC-2024-5", "modified": ' },
    { name: '../../escape/PYSEC-2024-6.json', data: JSON.stringify(rec('PYSEC-2024-6')) },
    { name: '/abs/PYSEC-2024-7.json', data: JSON.stringify(rec('PYSEC-2024-7')) },
    { name: 'PYSEC-2024-8.json', data: Buffer.alloc(80 * 1024 * 1024, 32) },
    { name: 'PYSEC-2024-9.json', data: JSON.stringify(rec('PYSEC-2024-9')), declaredSize: 10 },
  ]));
  writeFileSync(join(root, 'loose', 'DSA-0001-1.json'), JSON.stringify(rec('DSA-0001-1', {
    affected: [{ package: { ecosystem: 'Debian:11', name: 'openssl' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.1.1n-0+deb11u1' }] }] }],
    upstream: ['CVE-2024-0001', 'CVE-2024-0002'],
  })));
  writeFileSync(join(root, 'loose', 'README.md'), 'not advisory data');
  // a truncated zip: the import reports it and goes on
  writeFileSync(join(root, 'truncated.zip'), makeZip([{ name: 'X-1.json', data: JSON.stringify(rec('X-1')) }]).subarray(0, 40));
}

for (const [dialect, make] of dialects) {
  describe(`vulndb import (${dialect})`, () => {
    let ts: TestStore;
    let root: string;
    before(async () => {
      ts = await make();
      root = mkdtempSync(join(tmpdir(), 'vigil-import-'));
      writeFixtures(root);
    });
    after(async () => {
      await ts.cleanup();
      rmSync(root, { recursive: true, force: true });
    });

    test('imports valid records and reports each bad entry with its rule', async () => {
      const r = await importInputs([root], { store: ts.store, log });
      assert.equal(r.added, 4, 'PYSEC-2024-1, GHSA, PYSEC-2024-2 (withdrawn), DSA-0001-1 and nothing else');
      assert.equal(r.withdrawn, 0, 'a record that arrives withdrawn is added (and flagged), not a withdrawal');
      if (process.env.DEBUG_TEST) console.log(r.errors);
      const rules = Object.fromEntries(r.errors.map((e) => [e.input.replace(/^.*[!/]/, ''), e.rule]));
      const byInput = (frag: string) => r.errors.find((e) => e.input.includes(frag));
      assert.equal(byInput('PYSEC-2024-3')?.rule, 'osv-schema');
      assert.match(byInput('PYSEC-2024-3')!.message, /modified/);
      assert.equal(byInput('PYSEC-2024-4')?.rule, 'osv-schema');
      assert.match(byInput('PYSEC-2024-4')!.message, /GIT range requires "repo"/);
      assert.equal(byInput('PYSEC-2024-5')?.rule, 'not-json');
      assert.equal(byInput('escape/PYSEC-2024-6')?.rule, 'path-traversal');
      assert.equal(byInput('/abs/PYSEC-2024-7')?.rule, 'path-traversal');
      assert.equal(byInput('PYSEC-2024-8')?.rule, 'entry-size-limit');
      assert.equal(byInput('PYSEC-2024-9')?.rule, 'zip-size-mismatch');
      assert.equal(byInput('truncated.zip')?.rule, 'zip-format', JSON.stringify(rules));
      assert.equal(r.errors.length, 8);
      // nothing was written next to the archives
      assert.deepEqual(readdirSync(root).sort(), ['PyPI', 'loose', 'truncated.zip']);

      const pypi = r.sources.find((s) => s.key === 'osv:PyPI/all.zip')!;
      assert.equal(pypi.records, 3);
      assert.equal(pypi.invalid, 3, 'the three bad records; unsafe and oversized entries are container problems');
      assert.ok(r.sources.find((s) => s.key === 'osv:loose/'));
      assert.ok(r.packages >= 2);
    });

    test('status reports sources, ecosystems and the skipped entries', async () => {
      const s = await dbStatus(ts.store);
      assert.equal(s.records.total, 4);
      assert.equal(s.records.withdrawn, 1);
      assert.equal(s.ecosystems['PyPI'], 3);
      assert.equal(s.ecosystems['Debian:11'], 1);
      assert.equal(s.invalid.length, 8);
      assert.ok(s.lastUpdate?.finishedAt);
    });

    test('re-importing the same data changes nothing', async () => {
      const r = await importInputs([root], { store: ts.store, log });
      assert.deepEqual([r.added, r.modified, r.withdrawn, r.packages], [0, 0, 0, 0]);
      assert.equal(r.unchanged, 4);
    });

    test('a changed and a withdrawn record make a change set with their packages', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'vigil-import2-'));
      writeFileSync(join(dir, 'PYSEC-2024-1.json'), JSON.stringify(rec('PYSEC-2024-1', {
        modified: '2024-03-01T00:00:00Z', aliases: ['CVE-2024-0001', 'GHSA-aaaa-bbbb-cccc'],
        affected: [{ package: { ecosystem: 'PyPI', name: 'other-pkg' }, versions: ['1.0'] }],
      })));
      writeFileSync(join(dir, 'GHSA-aaaa-bbbb-cccc.json'), JSON.stringify(rec('GHSA-aaaa-bbbb-cccc', { aliases: ['CVE-2024-0001'], withdrawn: '2024-03-02T00:00:00Z', modified: '2024-03-02T00:00:00Z', severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }] })));
      const r = await importInputs([dir], { store: ts.store, log });
      rmSync(dir, { recursive: true, force: true });
      assert.equal(r.modified, 1);
      assert.equal(r.withdrawn, 1);
      const pkgs = await ts.store.db.selectFrom('change_set_packages').select(['ecosystem', 'name']).where('change_set_id', '=', r.changeSetId).orderBy('name').execute();
      // the new package, and the old one the modified record no longer names (it needs a rematch too)
      assert.deepEqual(pkgs, [{ ecosystem: 'PyPI', name: 'django-rest' }, { ecosystem: 'PyPI', name: 'other-pkg' }]);
      const recs = await ts.store.db.selectFrom('change_set_records').select(['record_id', 'change']).where('change_set_id', '=', r.changeSetId).orderBy('record_id').execute();
      assert.deepEqual(recs, [{ record_id: 'GHSA-aaaa-bbbb-cccc', change: 'withdrawn' }, { record_id: 'PYSEC-2024-1', change: 'modified' }]);
    });

    test('show resolves any alias to the merged vulnerability and follows upstream links', async () => {
      for (const q of ['CVE-2024-0001', 'cve-2024-0001', 'GHSA-aaaa-bbbb-cccc', 'PYSEC-2024-1']) {
        const v = await showVulnerability(ts.store, q);
        assert.ok(v, q);
        assert.equal(v.id, 'CVE-2024-0001');
        assert.deepEqual(v.aliases, ['GHSA-aaaa-bbbb-cccc', 'PYSEC-2024-1']);
        assert.deepEqual(v.related, ['DSA-0001-1']);
      }
      const v = (await showVulnerability(ts.store, 'CVE-2024-0001'))!;
      assert.equal(v.cvss?.score, 9.8);
      assert.equal(v.cvss?.rating, 'CRITICAL');
      const dsa = (await showVulnerability(ts.store, 'DSA-0001-1'))!;
      assert.deepEqual(dsa.related, ['CVE-2024-0001', 'CVE-2024-0002']);
      assert.equal(dsa.affected[0].ecosystem, 'Debian:11');
      assert.equal(await showVulnerability(ts.store, 'CVE-1999-9999'), null);
    });

    test('search by package, ecosystem:package and text', async () => {
      const byPkg = await searchVulnerabilities(ts.store, 'Django.Rest');
      assert.ok(byPkg.some((h) => h.id === 'PYSEC-2024-2' && h.withdrawn));
      const byEco = await searchVulnerabilities(ts.store, 'Debian:11:openssl');
      assert.deepEqual(byEco.map((h) => h.id), ['DSA-0001-1']);
      const byText = await searchVulnerabilities(ts.store, 'summary of DSA');
      assert.deepEqual(byText.map((h) => h.id), ['DSA-0001-1']);
      const lookup = packageLookup(ts.store);
      assert.deepEqual((await lookup('PyPI', 'django_rest')).map((r) => r.id).sort(), ['GHSA-aaaa-bbbb-cccc', 'PYSEC-2024-2']);
    });
  });
}
