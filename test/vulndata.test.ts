/**
 * The whole of ../shared/vulndata through the CLI: every source imported with the counts its README
 * gives (less the entries reported invalid, each with a reason), ids resolved through aliases across
 * sources with KEV and CVSS attached, re-import idempotent, and a kill -9 in the middle of an import
 * leaving the previous database intact.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HOW, needs, ROOT, VULNDATA } from './helpers/prereq.ts';
import Sqlite from 'better-sqlite3';

const BIN = join(ROOT, 'bin', 'vigil.js');

function vigil(home: string, args: string[]) {
  const r = spawnSync(process.execPath, [BIN, '--home', home, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, VIGIL_DATABASE_URL: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) };
}

/** Record counts from ../shared/vulndata/README.md, per source location. */
const README_COUNTS: Record<string, number> = {
  'osv:Go/all.zip': 4291,
  'osv:crates.io/all.zip': 1206,
  'osv:PyPI/all.zip': 2661,
  'osv:OSS-Fuzz/all.zip': 4021,
  'osv:AlmaLinux/all.zip': 5637,
  'osv:malicious/npm/all.zip': 20000,
  'osv:malicious/PyPI/all.zip': 9207,
  'debian/dsa-list:debian/DSA-list.txt': 5406,
  'debian/dsa-list:debian/DLA-list.txt': 3534,
  'enrich/kev:kev/known_exploited_vulnerabilities.json': 1404,
  'enrich/kev:kev/known_exploited_vulnerabilities.csv': 1404,
  // 44,130 rows, of which 104 are REJECTED CVEs with every column empty: nothing to enrich
  'enrich/vulnrichment:cve/cvss-cwe-ssvc-vulnrichment.csv': 44130 - 104,
};

describe('vulndata end to end (SQLite, CLI)', { skip: needs('../shared/vulndata', existsSync(VULNDATA), HOW.vulndata) }, () => {
  let home: string;
  before(() => {
    home = mkdtempSync(join(tmpdir(), 'vigil-vulndata-'));
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  test('imports every source with the README counts, invalid entries listed with reasons', () => {
    const r = vigil(home, ['--json', 'db', 'import', VULNDATA]);
    assert.equal(r.code, 0, r.stderr);
    const report = r.json();
    const status = vigil(home, ['--json', 'db', 'status']).json();
    const byKey = Object.fromEntries(status.sources.map((s: { key: string }) => [s.key, s]));
    for (const [key, expected] of Object.entries(README_COUNTS)) {
      const s = byKey[key];
      assert.ok(s, `source ${key} imported`);
      // a record reported invalid is not counted; where a source reports invalid entries, the sum holds
      const invalidRecords = status.invalid.filter((e: { source: string; rule: string }) => e.source === key && e.rule === 'osv-schema').length;
      assert.equal(s.records + invalidRecords, expected, `${key}: ${s.records} records + ${invalidRecords} invalid`);
    }
    for (const e of status.invalid) {
      assert.ok(e.input && e.rule && e.message, `every skipped entry names its input, rule and reason: ${JSON.stringify(e)}`);
    }
    // native trees count files: every file is a record or a reported skip, except the 9 index/deps
    // files of nodejs security-wg (indexes repeat the per-id files; deps/ says Node.js is NOT affected)
    const filesOf = (key: string) => byKey[key].records + byKey[key].invalid;
    assert.equal(filesOf('native/rubysec:native/rubysec/all.zip'), 1381);
    assert.equal(byKey['native/rubysec:native/rubysec/all.zip'].records, 1232 + 91, 'gems/ files, and rubies/ruby (MRI, as Bitnami/ruby: src/extractors/runtime/README.md); other engines are reported as unsupported');
    assert.equal(filesOf('native/friendsofphp:native/friendsofphp/all.zip'), 1592);
    assert.equal(filesOf('native/nodejs-security-wg:native/nodejs-security-wg/all.zip'), 647 - 9);
    assert.equal(byKey['native/nodejs-security-wg:native/nodejs-security-wg/all.zip'].records, 467 + 171, 'vuln/npm, and vuln/core (Node.js itself, as Bitnami/node: src/extractors/runtime/README.md)');
    // Alpine: one record per CVE across the 18 branch files
    assert.equal(byKey['alpine/secdb:alpine/'].records, 2474);
    assert.equal(status.ecosystems['Go'], 4291);
    assert.equal(status.ecosystems['crates.io'], 1206);
    assert.equal(status.enrichment.kev, 1404);
    assert.ok(status.enrichment.cvss > 30000);
    assert.ok(report.added > 50000);
    console.log(`# imported ${report.added} records, ${report.enriched} CVEs enriched, ${report.errors.length} entries reported, in ${report.durationMs} ms`);
  });

  test('show resolves ids through aliases across sources, with KEV and CVSS', () => {
    for (const id of ['CVE-2020-13927', 'GHSA-hhx9-p69v-cx2j', 'PYSEC-2020-18']) {
      const r = vigil(home, ['--json', 'db', 'show', id]);
      assert.equal(r.code, 0, r.stderr);
      const v = r.json();
      assert.equal(v.id, 'CVE-2020-13927');
      assert.ok(v.aliases.includes('PYSEC-2020-18'));
      assert.equal(v.kev[0].dateAdded, '2022-01-18');
      assert.equal(v.cvss.score, 9.8);
      // vulnrichment gives CWE-1188 and CWE-306; the KEV catalog adds CWE-1056
      assert.deepEqual(v.cwes, ['CWE-1056', 'CWE-1188', 'CWE-306']);
    }
    // a Go record and Debian advisories meet at one CVE (HTTP/2 rapid reset)
    const rapid = vigil(home, ['--json', 'db', 'show', 'CVE-2023-44487']).json();
    assert.ok(rapid.aliases.some((a: string) => a.startsWith('GO-')) || rapid.related.some((a: string) => a.startsWith('GO-')), JSON.stringify(rapid.aliases));
    assert.ok(rapid.kev.length === 1);
    // a DSA fixing one CVE is that vulnerability: shown by either id, with the CVE's KEV entry
    const dsa = vigil(home, ['--json', 'db', 'show', 'DSA-5352-1']).json();
    assert.equal(dsa.id, 'CVE-2023-23529');
    assert.ok(dsa.aliases.includes('DSA-5352-1'));
    assert.ok(dsa.kev.some((k: { cve: string }) => k.cve === 'CVE-2023-23529'));
    assert.ok(dsa.affected.some((a: { ecosystem: string; name: string }) => a.ecosystem === 'Debian:11' && a.name === 'wpewebkit'));
    // a DSA fixing several CVEs stays one advisory, linked to each of them
    const multi = vigil(home, ['--json', 'db', 'show', 'DSA-5376-1']).json();
    assert.equal(multi.id, 'DSA-5376-1');
    assert.ok(['CVE-2023-25690', 'CVE-2023-27522'].every((c) => multi.related.includes(c)));
    assert.ok(multi.affected.every((a: { ecosystem: string }) => a.ecosystem.startsWith('Debian:')));
    const missing = vigil(home, ['db', 'show', 'CVE-1900-0001']);
    assert.equal(missing.code, 4);
    assert.match(missing.stderr, /no vulnerability with id or alias "CVE-1900-0001"/);
  });

  test('search finds by package and by text', () => {
    const hits = vigil(home, ['--json', 'db', 'search', 'crates.io:openssl']).json().filter((h: { matchedBy: string }) => h.matchedBy === 'package');
    assert.ok(hits.length > 5 && hits.every((h: { id: string }) => h.id.startsWith('RUSTSEC-')), JSON.stringify(hits));
    const part = vigil(home, ['--json', 'db', 'search', '--limit', '500', 'airflow']).json();
    assert.ok(part.some((h: { id: string; matchedBy: string }) => h.id === 'PYSEC-2020-18' && h.matchedBy === 'package-name'));
    const text = vigil(home, ['--json', 'db', 'search', 'X509VerifyParamRef']).json();
    assert.deepEqual(text.map((h: { id: string }) => h.id), ['RUSTSEC-2023-0044']);
  });

  test('re-importing the same data changes nothing', () => {
    const r = vigil(home, ['--json', 'db', 'import', VULNDATA]).json();
    assert.deepEqual([r.added, r.modified, r.withdrawn, r.enriched, r.packages], [0, 0, 0, 0, 0]);
  });

  test('kill -9 in the middle of an import leaves the previous database intact', async () => {
    // a database holding one source, then a full import killed while it writes
    const target = mkdtempSync(join(tmpdir(), 'vigil-kill-'));
    try {
      assert.equal(vigil(target, ['db', 'import', join(VULNDATA, 'crates.io')]).code, 0);
      const db = join(target, 'vigil.db');
      const q = 'select (select count(*) from vuln_records) r, (select count(*) from import_runs) n, (select count(*) from vuln_affected) a, (select count(*) from cve_enrichment) e';
      const snap = () => { const h = new Sqlite(db); try { return { check: h.pragma('integrity_check', { simple: true }), ...(h.prepare(q).get() as object) }; } finally { h.close(); } };
      const before = snap();
      const child = spawn(process.execPath, [BIN, '--home', target, 'db', 'import', VULNDATA], { stdio: 'ignore', env: { ...process.env, VIGIL_DATABASE_URL: '' } });
      const exited = new Promise((r) => child.once('exit', r));
      const wal = `${db}-wal`;
      let walBytes = 0;
      const t0 = Date.now();
      while (Date.now() - t0 < 60_000 && child.exitCode === null) {
        await new Promise((r) => setTimeout(r, 50));
        walBytes = existsSync(wal) ? statSync(wal).size : 0;
        if (walBytes > 16 * 1024 * 1024) break;
      }
      assert.equal(child.exitCode, null, 'the import was still running when killed');
      child.kill('SIGKILL');
      await exited;
      console.log(`# killed the import with ${walBytes} bytes in its write-ahead log`);
      assert.deepEqual(snap(), before);
      // the database still works: status answers, and an import runs to the end
      const s = vigil(target, ['--json', 'db', 'status']).json();
      assert.equal(s.records.total, (before as unknown as { r: number }).r);
      const r = vigil(target, ['--json', 'db', 'import', join(VULNDATA, 'Go')]).json();
      assert.equal(r.added, 4291);
    } finally {
      rmSync(target, { recursive: true, force: true });
    }
  });
});
