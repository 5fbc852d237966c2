/**
 * Issue 20, re-keying: package findings stored under the previous keying (`ecosystem/name@location`,
 * FINDING_KEYS "fixed-vulnerabilities-1": a lockfile and its node_modules gave one finding each) are
 * brought to the new one (`ecosystem/name`, every location listed) by the engine's first rematch
 * after the upgrade, a full one — each old finding carried over under its new key (same id and
 * first_observed_at), the copies that fold into it closed. Both dialects, real advisories (the
 * Node.js security WG's), real npm projects (src/inventory/testdata/two-projects).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { hash } from 'node:crypto';
import { silentLogger } from '../src/log.ts';
import { extractorGroups } from '../src/extractors/index.ts';
import { collectInventory } from '../src/inventory/index.ts';
import { openDir } from '../src/sources/index.ts';
import { matchInventory } from '../src/matching/index.ts';
import type { Package, ScanResult } from '../src/model/index.ts';
import { applySuppressionRules, buildScanResult, createSuppressionRule, findingKeyOf, loadAdvisoryContext, packageFindingKeyOf, recordScan, rematchAll } from '../src/findings/index.ts';
import { Engine } from '../src/engine/index.ts';
import { openQueue, type JobQueue } from '../src/engine/queue/index.ts';
import { importInputs } from '../src/vulndb/import.ts';
import { packageLookup } from '../src/vulndb/query.ts';
import { FINDING_KEYS } from '../src/vulndb/vulnerabilities.ts';
import { dialects, type TestStore } from './helpers/stores.ts';
import { HOW, needs, VULNDATA } from './helpers/prereq.ts';

const log = silentLogger();
const T0 = new Date('2026-11-01T00:00:00Z');
const T1 = new Date('2026-11-02T00:00:00Z');
const T2 = new Date('2026-11-03T00:00:00Z');
const NSWG = join(VULNDATA, 'native', 'nodejs-security-wg');
const PROJECTS = fileURLToPath(new URL('../src/inventory/testdata/two-projects', import.meta.url));
const skip = needs('../shared/vulndata', existsSync(NSWG), HOW.vulndata);

async function inventory(): Promise<Package[]> {
  const fs = await openDir(PROJECTS);
  try {
    return (await collectInventory(fs, { extractors: extractorGroups.language })).packages;
  } finally {
    await fs.close();
  }
}

/** What the inventory was before issue 20: one package per extractor and location. */
function unmerged(packages: Package[]): Package[] {
  return packages.flatMap((p) => (p.locations ?? []).map((l) => {
    const { extractors: _, ...rest } = p;
    return { ...rest, locations: [l], foundBy: l.includes('node_modules/') ? 'javascript/node-modules' : 'javascript/package-lock' };
  }));
}

async function scan(ts: TestStore, packages: Package[], at: Date): Promise<ScanResult> {
  const report = await matchInventory(packages, packageLookup(ts.store));
  const ctx = await loadAdvisoryContext(ts.store, report.packages.flatMap((p) => p.matches.map((m) => m.id)));
  return buildScanResult({ target: { kind: 'dir', ref: 'two-projects' }, packages, errors: [], report, ctx, createdAt: at.toISOString(), version: 'test' });
}

for (const [dialect, make] of dialects) {
  describe(`re-keying package findings to one per package (${dialect})`, { skip }, () => {
    let ts: TestStore;
    let queue: JobQueue;
    before(async () => {
      ts = await make();
      await importInputs([NSWG], { store: ts.store, log, now: () => T0 });
      queue = await openQueue(ts.store, { log });
    });
    after(async () => {
      await queue?.stop();
      await ts?.cleanup();
    });

    test('the first rematch after the upgrade carries every old finding over to its new key and closes the copies; a rescan changes nothing', async () => {
      const db = ts.store.db;
      const merged = await inventory();
      const old = unmerged(merged);
      assert.equal(old.length, 2 * merged.length);
      // the store as the code before left it: resource_packages one row per extractor and location, and
      // one finding per (vulnerability, package location) under the old key
      for (const [id, pkgs] of [['r-app', old], ['r-other', old.filter((p) => p.locations![0] === 'other/package-lock.json')]] as const) {
        await recordScan(ts.store, { accountId: 'acct', resource: { id, type: 'repository', name: id }, result: await scan(ts, pkgs, T0), now: T0 });
        const rows = await db.selectFrom('findings').selectAll().where('resource_id', '=', id).execute();
        assert.ok(rows.length > 0);
        await db.deleteFrom('findings').where('resource_id', '=', id).execute();
        let n = 0;
        for (const f of rows) {
          const { locations, ...details } = JSON.parse(f.details) as { locations: string[] };
          for (const l of locations) {
            const d = JSON.stringify(details);
            await db.insertInto('findings').values({ ...f, id: `fnd-old-${id}-${n++}`, finding_key: findingKeyOf('acct', id, f.type, f.vulnerability_id, f.package_ecosystem, f.package_name, l), package_location: l, details: d, details_hash: hash('sha256', d, 'hex') }).execute();
          }
        }
      }
      await db.insertInto('engine_state').values({ key: 'finding_keys', value: 'fixed-vulnerabilities-1', updated_at: T0.toISOString() }).execute();
      const before = await db.selectFrom('findings').selectAll().where('status', '=', 'ACTIVE').orderBy('id').execute();
      const identity = (f: { resource_id: string; type: string; vulnerability_id: string; package_ecosystem: string; package_name: string }) => [f.resource_id, f.type, f.vulnerability_id, f.package_ecosystem, f.package_name].join(' ');
      const distinct = new Set(before.map(identity));
      // r-app: lodash 4.17.4 at four paths (two projects, lockfile and node_modules each), every other package at two
      const lodash = before.filter((f) => f.resource_id === 'r-app' && f.package_name === 'lodash');
      assert.ok(lodash.length > 0 && lodash.length % 4 === 0, `${lodash.length} lodash findings`);
      const onOther = before.filter((f) => f.resource_id === 'r-other');
      assert.equal(onOther.length, new Set(onOther.map(identity)).size, 'r-other has one location per package: nothing folds there');

      // the engine's first rematch after the upgrade: a full one, because finding_keys differs
      const engine = new Engine({ store: ts.store, queue, log, now: () => T1 });
      assert.deepEqual((await engine.rematchPending()).changeSets.length, 1);
      assert.equal((await db.selectFrom('engine_state').select('value').where('key', '=', 'finding_keys').executeTakeFirstOrThrow()).value, FINDING_KEYS);

      const open = await db.selectFrom('findings').selectAll().where('status', '=', 'ACTIVE').orderBy('id').execute();
      assert.equal(open.length, distinct.size, 'one open finding per (resource, vulnerability, package)');
      assert.equal(open.filter((f) => f.resource_id === 'r-other').length, onOther.length, 'without duplicates, the same number of open findings');
      const oldIds = new Map(before.map((f) => [f.id, f]));
      for (const f of open) {
        assert.equal(f.finding_key, packageFindingKeyOf(f.account_id, f.resource_id, f.type, f.vulnerability_id, f.package_ecosystem, f.package_name));
        assert.ok(oldIds.has(f.id), `${f.id} carried over, not created`);
        assert.equal(f.first_observed_at, T0.toISOString());
      }
      const app = open.find((f) => f.resource_id === 'r-app' && f.package_name === 'lodash')!;
      assert.deepEqual((JSON.parse(app.details) as { locations: string[] }).locations, [
        'app/node_modules/lodash/package.json', 'app/package-lock.json', 'other/node_modules/lodash/package.json', 'other/package-lock.json',
      ]);
      assert.equal(app.package_location, 'app/node_modules/lodash/package.json');
      const closed = await db.selectFrom('findings').select(['id']).where('status', '=', 'CLOSED').execute();
      assert.equal(closed.length, before.length - distinct.size, 'the copies that folded close');
      const events = await db.selectFrom('events').select(['type']).where('created_at', '=', T1.toISOString()).execute();
      const count = (t: string) => events.filter((e) => e.type === t).length;
      assert.equal(count('finding.created'), 0);
      assert.equal(count('finding.closed'), closed.length);

      // once: nothing more to do, and a rescan with the merged inventory changes no finding
      const again = await rematchAll(ts.store, T2);
      assert.deepEqual([again.created, again.updated, again.closed], [0, 0, 0]);
      const rescan = await recordScan(ts.store, { accountId: 'acct', resource: { id: 'r-app', type: 'repository', name: 'r-app' }, result: await scan(ts, merged, T2), now: T2 });
      assert.deepEqual([rescan.created, rescan.closed, rescan.reopened], [0, 0, 0]);
      assert.equal(rescan.packages, merged.length, 'one stored package per install');
      const row = await db.selectFrom('resource_packages').selectAll().where('resource_id', '=', 'r-app').where('name', '=', 'lodash').execute();
      assert.deepEqual(row.map((r) => JSON.parse(r.locations!)), [['app/node_modules/lodash/package.json', 'app/package-lock.json'], ['other/node_modules/lodash/package.json', 'other/package-lock.json']]);
      const after = await rematchAll(ts.store, new Date(T2.getTime() + 1000));
      assert.deepEqual([after.created, after.updated, after.closed], [0, 0, 0], 'the rematch from the merged rows agrees with the scan');
      const stored = await db.selectFrom('findings').selectAll().where('id', '=', app.id).executeTakeFirstOrThrow();
      assert.deepEqual(JSON.parse(stored.package_locations!), JSON.parse(stored.details).locations, 'the column the API lists is the details\' list');

      // a suppression rule by path matches any of the finding's locations (here the other project's lockfile)
      await createSuppressionRule(ts.store, { accountId: 'acct', name: 'other project', reason: 'test', criteria: { paths: ['other/package-lock.json'] } }, T2);
      await applySuppressionRules(ts.store, 'acct', T2);
      const byStatus = await db.selectFrom('findings').select(['resource_id', 'package_name', 'status']).where('status', '!=', 'CLOSED').execute();
      assert.ok(byStatus.filter((f) => f.resource_id === 'r-app' && f.package_name === 'lodash').every((f) => f.status === 'SUPPRESSED'));
      assert.ok(byStatus.filter((f) => f.resource_id === 'r-app' && f.package_name !== 'lodash').every((f) => f.status === 'ACTIVE'));
    });
  });
}
