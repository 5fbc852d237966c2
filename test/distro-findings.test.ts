/**
 * Distribution findings by CVE (src/vulndb/README.md), on the real Debian DSA and DLA lists of
 * ../shared/vulndata with the real KEV catalog and Vulnrichment rows, both dialects: a DSA fixing
 * several CVEs gives one finding per CVE with the DSA as its source; a CVE fixed by a DSA and a DLA
 * is one finding listing both; CVE-level enrichment (CVSS, KEV, EPSS) is each CVE's own; a DSA
 * listing 139 CVEs does not merge them; findings stored under the DSA's key before the upgrade close
 * at the next full rematch as the CVE-keyed ones open.
 */
import assert from 'node:assert/strict';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { silentLogger } from '../src/log.ts';
import { matchInventory } from '../src/matching/index.ts';
import type { OsvRecord, Package, ScanResult } from '../src/model/index.ts';
import { buildScanResult, loadAdvisoryContext, recordScan, rematchAll } from '../src/findings/index.ts';
import { importInputs } from '../src/vulndb/import.ts';
import { packageLookup } from '../src/vulndb/query.ts';
import { dialects, type TestStore } from './helpers/stores.ts';
import { HOW, needs, VULNDATA } from './helpers/prereq.ts';

const log = silentLogger();
const NOW = new Date('2026-12-01T00:00:00Z');
/** real packages of the golden Debian inventory (src/matching/testdata/inventories/debian.json), a bullseye cacti and a buster apache2 */
const INVENTORY: Package[] = [
  ...(JSON.parse(readFileSync(new URL('../src/matching/testdata/inventories/debian.json', import.meta.url), 'utf8')) as { packages: Package[] }).packages
    .filter((p) => p.ecosystem === 'Debian:11' && p.name === 'openssl'),
  { ecosystem: 'Debian:11', name: 'cacti', version: '1.2.16+ds1-2', sourceName: 'cacti', locations: ['/var/lib/dpkg/status'] },
  { ecosystem: 'Debian:10', name: 'apache2', version: '2.4.38-3+deb10u3', sourceName: 'apache2', locations: ['/var/lib/dpkg/status'] },
];
/** the CVEs of the advisories above: their Vulnrichment rows are imported (the whole table takes seconds) */
const CVES = new Set(['CVE-2021-4160', 'CVE-2022-0778', 'CVE-2022-0730', 'CVE-2022-46169', 'CVE-2020-1927', 'CVE-2006-20001']);

const skip = needs('../shared/vulndata', existsSync(join(VULNDATA, 'debian', 'DSA-list.txt')), HOW.vulndata);

async function scan(ts: TestStore, packages: Package[]) {
  const report = await matchInventory(packages, packageLookup(ts.store));
  const ctx = await loadAdvisoryContext(ts.store, report.packages.flatMap((p) => p.matches.map((m) => m.id)));
  return { ctx, result: buildScanResult({ target: { kind: 'rootfs', ref: 't' }, packages, errors: [], report, ctx, createdAt: NOW.toISOString(), version: 'test' }) };
}

const record = (ts: TestStore, id: string) => ts.store.db.selectFrom('vuln_records').select('json').where('id', '=', id).executeTakeFirstOrThrow().then((r) => JSON.parse(r.json) as OsvRecord);
const findingsOf = (ts: TestStore, name: string) => ts.store.db.selectFrom('findings').selectAll().where('package_name', '=', name).where('status', '=', 'ACTIVE').orderBy('vulnerability_id').execute();

for (const [dialect, make] of dialects) {
  describe(`distribution findings by CVE on the real Debian lists (${dialect})`, { skip }, () => {
    let ts: TestStore;
    let dir: string;
    before(async () => {
      ts = await make();
      dir = mkdtempSync(join(tmpdir(), 'vigil-distro-'));
      // the real Vulnrichment rows of these CVEs, as the table has them
      const rows: string[] = [];
      for await (const line of createInterface({ input: createReadStream(join(VULNDATA, 'cve', 'cvss-cwe-ssvc-vulnrichment.csv.gz')).pipe(createGunzip()) })) {
        if (rows.length === 0 || CVES.has(line.slice(0, line.indexOf(',')))) rows.push(line);
      }
      writeFileSync(join(dir, 'vulnrichment.csv'), rows.join('\n') + '\n');
      // EPSS: no snapshot in vulndata; these two rows are written for this test in the FIRST.org format
      writeFileSync(join(dir, 'epss_scores-2026-11-30.csv'), '#model_version:v2025.03.14,score_date:2026-11-30T12:55:00Z\ncve,epss,percentile\nCVE-2022-46169,0.94412,0.99966\nCVE-2022-0730,0.00312,0.54321\n');
      await importInputs([join(VULNDATA, 'debian'), join(VULNDATA, 'kev'), dir], { store: ts.store, log, now: () => NOW });
    });
    after(async () => {
      await ts?.cleanup();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('a DSA listing 139 CVEs leaves them 139 vulnerabilities (alias groups)', async () => {
      const dsa = await record(ts, 'DSA-4824-1');
      assert.equal(dsa.upstream?.length, 139);
      const groups = await ts.store.db.selectFrom('vuln_groups').select(['member', 'group_id']).where('member', 'in', [dsa.id, ...dsa.upstream!]).execute();
      const of = new Map(groups.map((g) => [g.member, g.group_id]));
      assert.equal(of.get(dsa.id), dsa.id, 'the DSA is a group of its own');
      const ids = dsa.upstream!.map((c) => of.get(c) ?? c);
      assert.equal(new Set(ids).size, 139, 'no two of its CVEs in one group');
      assert.ok(!ids.includes(dsa.id));
    });

    test('one finding per CVE, the DSA its source and its fixed version; a CVE from a DSA and a DLA is one finding listing both', async () => {
      const { result } = await scan(ts, INVENTORY);
      await recordScan(ts.store, { accountId: 'acct', resource: { id: 'r1', type: 'rootfs', name: 'bullseye' }, result, now: NOW });

      // openssl 1.1.1k-1+deb11u1 (bullseye): DSA-5103-1 fixes CVE-2021-4160 and CVE-2022-0778 in 1.1.1k-1+deb11u2
      const openssl = await findingsOf(ts, 'openssl');
      const byVuln = new Map(openssl.map((f) => [f.vulnerability_id, f]));
      const dsas = await Promise.all(['DSA-5103-1', 'DSA-5139-1', 'DSA-5169-1', 'DSA-5343-1'].map((id) => record(ts, id)));
      const cves = new Set(dsas.flatMap((d) => d.upstream ?? []));
      assert.deepEqual([...byVuln.keys()].sort(), [...cves].sort(), 'one finding per CVE of the four openssl DSAs');
      for (const cve of ['CVE-2021-4160', 'CVE-2022-0778']) {
        const f = byVuln.get(cve)!;
        assert.equal(f.advisory_id, 'DSA-5103-1');
        assert.equal(f.fixed_version, '1.1.1k-1+deb11u2');
        assert.equal(f.title, `${cve} - openssl`);
        const details = JSON.parse(f.details) as { advisories: string[]; aliases: string[]; explanation: { record: string } };
        assert.deepEqual(details.advisories, ['DSA-5103-1']);
        assert.deepEqual(details.aliases, [cve]);
        assert.equal(details.explanation.record, 'DSA-5103-1');
      }
      assert.ok(!openssl.some((f) => f.vulnerability_id.startsWith('DSA-')), 'no DSA-keyed finding');

      // apache2 2.4.38-3+deb10u3 (buster): CVE-2020-1927 fixed by DSA-4757-1 (deb10u4) and again by DLA-3351-1 (deb10u9)
      const apache = await findingsOf(ts, 'apache2');
      const both = apache.filter((f) => f.vulnerability_id === 'CVE-2020-1927');
      assert.equal(both.length, 1, 'one finding for the CVE');
      assert.deepEqual(JSON.parse(both[0].details).advisories, ['DLA-3351-1', 'DSA-4757-1']);
      assert.ok(['DLA-3351-1', 'DSA-4757-1'].includes(both[0].advisory_id));
      assert.equal(both[0].fixed_version, both[0].advisory_id === 'DLA-3351-1' ? '2.4.38-3+deb10u9' : '2.4.38-3+deb10u4');
      const dsa = await record(ts, 'DSA-4757-1');
      const dla = await record(ts, 'DLA-3351-1');
      const vulns = apache.map((f) => f.vulnerability_id);
      assert.equal(new Set(vulns).size, vulns.length, 'each CVE once');
      for (const cve of new Set([...dsa.upstream!, ...dla.upstream!])) assert.ok(vulns.includes(cve), `${cve} of DSA-4757-1 or DLA-3351-1`);
      assert.ok(!vulns.some((v) => /^D[SL]A-/.test(v)), 'no DSA- or DLA-keyed finding');
      for (const f of apache) if (dsa.upstream!.includes(f.vulnerability_id) && !dla.upstream!.includes(f.vulnerability_id)) assert.ok(JSON.parse(f.details).advisories.includes('DSA-4757-1'));
    });

    test('CVE-level enrichment reaches each CVE of a DSA: CVSS and KEV of CVE-2022-46169, EPSS in the context', async () => {
      // cacti 1.2.16+ds1-2 (bullseye): DSA-5298-1 fixes CVE-2022-0730 and CVE-2022-46169 (KEV, CVSS 9.8 in Vulnrichment)
      const { result, ctx } = await scan(ts, INVENTORY);
      const cacti = result.findings.filter((f) => f.id === 'DSA-5298-1');
      assert.deepEqual(cacti.map((f) => f.vulnerability).sort(), ['CVE-2022-0730', 'CVE-2022-46169']);
      const kev = cacti.find((f) => f.vulnerability === 'CVE-2022-46169')!;
      assert.equal(kev.kev, true);
      assert.equal(kev.severity, 'CRITICAL');
      assert.equal(kev.cvss?.score, 9.8);
      assert.match(kev.cvss?.source ?? '', /^CVE-2022-46169 \(/);
      const other = cacti.find((f) => f.vulnerability === 'CVE-2022-0730')!;
      // its own: no CVSS for it in the table, not in KEV (one DSA-keyed finding took 9.8 and KEV from its sibling)
      assert.equal(other.kev, false);
      assert.equal(other.cvss, undefined);
      assert.equal(other.severity, 'UNKNOWN');
      assert.equal(ctx.enrichment.get('CVE-2022-46169')?.epss?.score, 0.94412);
      assert.equal(ctx.enrichment.get('CVE-2022-0730')?.epss?.percentile, 0.54321);
      assert.ok(ctx.enrichment.get('CVE-2022-46169')?.kev?.dateAdded);
      const stored = await findingsOf(ts, 'cacti');
      assert.deepEqual(stored.map((f) => [f.vulnerability_id, f.advisory_id, f.exploit_available, f.score]), [['CVE-2022-0730', 'DSA-5298-1', 0, null], ['CVE-2022-46169', 'DSA-5298-1', 1, 10]]);
      // stored: the Vigil score (docs/scoring.md): KEV raises 9.8 by 2.0, clamped to 10
    });

    test('findings stored under the DSA (before the upgrade) close at the next full rematch; the CVE-keyed ones open', async () => {
      const { result } = await scan(ts, INVENTORY.filter((p) => p.name === 'cacti'));
      // what the code before the upgrade stored: one finding per (package, advisory), keyed by the advisory's group
      const old: ScanResult = { ...result, findings: result.findings.filter((f, i, all) => all.findIndex((g) => g.id === f.id) === i).map((f) => ({ ...f, vulnerability: f.id, aliases: ['CVE-2022-0730', 'CVE-2022-46169'] })) };
      await recordScan(ts.store, { accountId: 'acct', resource: { id: 'r-old', type: 'rootfs', name: 'old' }, result: old, now: NOW });
      const before = await ts.store.db.selectFrom('findings').select(['id', 'vulnerability_id']).where('resource_id', '=', 'r-old').where('status', '=', 'ACTIVE').execute();
      assert.deepEqual(before.map((f) => f.vulnerability_id), ['DSA-5298-1']);
      const later = new Date(NOW.getTime() + 3_600_000);
      const summary = await rematchAll(ts.store, later);
      const events = (await ts.store.db.selectFrom('events').select(['type', 'payload']).where('created_at', '=', later.toISOString()).where('resource_id', '=', 'r-old').execute())
        .map((e) => ({ type: e.type, id: JSON.parse(e.payload).findingId as string }));
      const after = await ts.store.db.selectFrom('findings').select(['id', 'vulnerability_id', 'status']).where('resource_id', '=', 'r-old').orderBy('vulnerability_id').execute();
      assert.deepEqual(after.map((f) => [f.vulnerability_id, f.status]), [['CVE-2022-0730', 'ACTIVE'], ['CVE-2022-46169', 'ACTIVE'], ['DSA-5298-1', 'CLOSED']]);
      assert.deepEqual(events.filter((e) => e.type === 'finding.closed').map((e) => e.id), [before[0].id]);
      assert.deepEqual(events.filter((e) => e.type === 'finding.created').map((e) => e.id).sort(), after.filter((f) => f.status === 'ACTIVE').map((f) => f.id).sort());
      assert.equal(events.length, 3, 'one closed, two created, nothing else on that resource');
      assert.deepEqual([summary.created, summary.closed], [2, 1], 'the other resource, keyed by CVE already, unchanged');
      assert.deepEqual([(await rematchAll(ts.store, new Date(later.getTime() + 1000))).created, 0], [0, 0], 'once');
    });
  });
}
