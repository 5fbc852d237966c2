/**
 * Golden corpus: small real inventories with old versions (testdata/inventories/*.json) matched
 * against the real advisory data of ../shared/vulndata (OSV zips as they are; Debian lists, Alpine
 * secdb and the native rubysec/FriendsOfPHP/nodejs-security-wg sets through their format plugins).
 * The expected advisory ids, each match's explanation and the fix guidance are in
 * testdata/inventories/*.golden.json; refresh with UPDATE_GOLDEN=1 and review the diff (a missing one
 * fails without it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Inventory, OsvRecord, Package } from '../model/index.ts';
import { AdvisoryIndex, findAffected, InventoryIndex, matchInventory, matchInventorySync, packageKey, targetOf, type MatchReport } from './index.ts';
import { loadVulndata, VULNDATA } from './testutil.ts';
import { fixedVulnerabilities } from '../vulndb/vulnerabilities.ts';
import { goldenMismatch } from '../../test/helpers/golden.ts';
import { HOW, needs } from '../../test/helpers/prereq.ts';

const DIR = fileURLToPath(new URL('./testdata/inventories/', import.meta.url));

type InventoryFile = Inventory & { note?: string };

function readInventories(): { file: string; inv: InventoryFile }[] {
  return readdirSync(DIR).filter((f) => f.endsWith('.json') && !f.endsWith('.golden.json')).sort()
    .map((file) => ({ file, inv: JSON.parse(readFileSync(DIR + file, 'utf8')) as InventoryFile }));
}

const pkgLabel = (p: Package) => `${p.ecosystem}/${p.name}@${p.version}`;

/** The golden view of a report: every package, in input order, with its findings and why. */
function golden(inv: InventoryFile, report: MatchReport, sources: Record<string, number>, records: Map<string, OsvRecord>) {
  return {
    inventory: inv.id,
    data: sources,
    stats: report.stats,
    packages: inv.packages.map((p) => {
      const r = report.packages.find((x) => x.package === p);
      const skipped = report.skipped.find((x) => x.package === p);
      if (skipped) return { package: pkgLabel(p), skipped: skipped.reason };
      const t = targetOf(p);
      return {
        package: pkgLabel(p),
        searched: 'key' in t ? `${t.ecosystem}/${t.name}@${t.version} (by ${t.via})` : undefined,
        matches: (r?.matches ?? []).map((m) => {
          const { record: _record, ...why } = m.detail;
          // the vulnerabilities its findings are keyed by when not the record's own group (a DSA's CVEs: vulndb/vulnerabilities.ts)
          const fixed = fixedVulnerabilities(records.get(m.id)!);
          return { id: m.id, type: m.type, aliases: [...m.aliases].sort(), ...(fixed.length > 0 ? { vulnerabilities: fixed } : {}), ...why };
        }),
        ...(r?.unknown.length ? { unknown: r.unknown } : {}),
        ...(r?.fix ? { fix: r.fix } : {}),
      };
    }),
  };
}

test('a missing golden file fails, and is written only with UPDATE_GOLDEN=1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-golden-'));
  try {
    const path = join(dir, 'sub', 'x.golden.json');
    assert.match(goldenMismatch(path, '{}\n', false) ?? '', /golden file .*x\.golden\.json is missing \(UPDATE_GOLDEN=1 writes it/);
    assert.equal(existsSync(path), false, 'not written without UPDATE_GOLDEN=1');
    assert.equal(goldenMismatch(path, '{}\n', true), undefined);
    assert.equal(readFileSync(path, 'utf8'), '{}\n');
    assert.equal(goldenMismatch(path, '{}\n', false), undefined);
    assert.match(goldenMismatch(path, '[]\n', false) ?? '', /differs from/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('golden corpus of real inventories', { skip: needs('../shared/vulndata', existsSync(VULNDATA), HOW.vulndata) }, async () => {
  const inventories = readInventories();
  const keys = new Set<string>();
  for (const { inv } of inventories) for (const p of inv.packages) {
    const t = targetOf(p);
    if ('key' in t) keys.add(t.key);
    keys.add(packageKey(p.ecosystem, p.name));
  }
  const names = (r: OsvRecord) => (r.affected ?? []).some((a) => a.package && keys.has(packageKey(a.package.ecosystem, a.package.name)));
  const loaded = await loadVulndata(names);
  const index = AdvisoryIndex.fromRecords(loaded.records);
  console.log(`golden: ${loaded.records.length} records naming inventory packages, from ${JSON.stringify(loaded.sources)}`);
  const invIndex = new InventoryIndex(inventories.map((x) => x.inv));
  const byId = new Map(loaded.records.map((r) => [r.id, r]));
  const failures: string[] = [];
  for (const { file, inv } of inventories) {
    // the lookup path (records compiled per call, as with the store) and the in-memory index agree
    const report = await matchInventory(inv.packages, index.lookup);
    const sync = matchInventorySync(inv.packages, index);
    assert.deepEqual(JSON.parse(JSON.stringify(sync)), JSON.parse(JSON.stringify(report)), `${file}: lookup and index paths differ`);
    // what matching memoizes (matches shared per interval, located versions, fix guidance per rank,
    // object-path hits per version) changes nothing: a second match, and one in the reverse order
    // on a new index (memos filled in another order), give the same reports
    assert.deepEqual(JSON.parse(JSON.stringify(matchInventorySync(inv.packages, index))), JSON.parse(JSON.stringify(sync)), `${file}: a second match differs`);
    const reversed = matchInventorySync([...inv.packages].reverse(), AdvisoryIndex.fromRecords(loaded.records));
    assert.deepEqual(JSON.parse(JSON.stringify(reversed.packages.reverse())), JSON.parse(JSON.stringify(sync.packages)), `${file}: matching in reverse order differs`);
    // the reverse direction finds every match
    for (const pr of report.packages) {
      for (const m of pr.matches) {
        const rec = loaded.records.find((r) => r.id === m.id)!;
        const hits = findAffected(rec, invIndex);
        if (!hits.some((h) => h.inventory === inv.id && h.package === pr.package && 'affected' in h.verdict)) {
          failures.push(`${file}: findAffected(${m.id}) misses ${pkgLabel(pr.package)}`);
        }
      }
    }
    const got = JSON.stringify(golden(inv, report, loaded.sources, byId), null, 2) + '\n';
    const goldenPath = DIR + file.replace(/\.json$/, '.golden.json');
    const total = report.packages.reduce((n, p) => n + p.matches.length, 0);
    console.log(`golden: ${file}: ${inv.packages.length} packages, ${total} matches, ${report.stats.unknown} unknown, ${report.stats.skipped} skipped`);
    const mismatch = goldenMismatch(goldenPath, got);
    if (mismatch) failures.push(`${file}: ${mismatch}`);
  }
  assert.deepEqual(failures, []);
});
