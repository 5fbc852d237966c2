/**
 * The delta rematch compares findings per (package, state_hash) group and reads only the groups that
 * differ (rematch.ts). This checks it against the per-finding truth on a seeded random fleet, both
 * dialects: after every advisory update, the delta must leave nothing for a full rematch to change
 * (rematchAll compares every finding of every resource one by one), a re-run of the delta must write
 * nothing, and every change must carry exactly one event. The fleet has what makes groups differ from
 * templates: two versions of one package at one location (folded findings), resources without a
 * finding they should have (deleted, closed) or with one they should not, findings written before
 * state_hash existed (''), an inactive resource, a suppression rule that expires, withdrawn
 * advisories, alias groups, Debian binaries searched by their source package, DSAs fixing several CVEs
 * (one finding per CVE, folded with the other advisories of that CVE), malicious packages, and (issue 16)
 * resources whose Vigil score context (reachability, pull signal) differs.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { silentLogger } from '../log.ts';
import { matchInventory } from '../matching/index.ts';
import type { OsvRecord, Package } from '../model/index.ts';
import type { Store } from '../store/index.ts';
import { importInputs } from '../vulndb/import.ts';
import { packageLookup } from '../vulndb/query.ts';
import { seededRandom } from '../../test/helpers/random.ts';
import { dialects } from '../../test/helpers/stores.ts';
import { applySuppressionRules, createSuppressionRule, recordScan, rematchAll, rematchChangeSet, rescoreResources, setCoverage, setResourceReachability } from './index.ts';
import { packageFindingKeyOf } from './keys.ts';
import { buildScanResult, loadAdvisoryContext } from './scan-result.ts';

const log = silentLogger();
const T0 = Date.parse('2025-03-01T00:00:00.000Z');
const day = (n: number) => new Date(T0 + n * 86_400_000);
const SCORES = ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N'];

// the fleet's random draws (seeded per test run: VIGIL_TEST_SEED explores another fleet)
let rand: () => number, int: (n: number) => number, pick: <T>(a: readonly T[]) => T;

const PYPI = ['alpha', 'beta', 'gamma', 'delta', 'eps'];
const VERSIONS = ['1.0', '1.1', '1.2', '1.3', '1.4', '1.5'];
const DEB = [['libfoo1', 'foo'], ['foo-utils', 'foo'], ['libbar2', 'bar']] as const;
const DEB_VERSIONS = ['1.0-1', '1.0-2', '1.1-1', '1.2-1'];

/** One advisory: a range or a version list on one package; every fourth carries a CVE alias shared with another record (an alias group). */
function advisory(i: number, modified: string): OsvRecord {
  const deb = i % 5 === 4;
  const ecosystem = deb ? 'Debian:12' : 'PyPI';
  // record 4 (touched by every update) is on Debian's foo, whose binaries the updates disturb
  const name = deb ? (i === 4 ? 'foo' : pick(['foo', 'bar'])) : PYPI[i % PYPI.length];
  const vs = deb ? DEB_VERSIONS : VERSIONS;
  const lo = int(vs.length - 1);
  const fixed = vs[lo + 1 + int(vs.length - lo - 1)];
  const affected: NonNullable<OsvRecord['affected']>[number] = rand() < 0.3 && !deb
    ? { package: { ecosystem, name }, versions: vs.slice(lo, lo + 2) }
    : { package: { ecosystem, name }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: lo === 0 ? '0' : vs[lo] }, ...(rand() < 0.8 ? [{ fixed }] : [])] }] };
  const id = deb ? `DSA-${5000 + i}-1` : i % 7 === 6 ? `MAL-2025-${i}` : `PYSEC-2025-${i}`;
  return {
    schema_version: '1.6.0', id, modified, published: '2025-01-01T00:00:00Z', summary: `summary of ${id}`,
    ...(i % 4 === 0 ? { aliases: [`CVE-2025-${1000 + (i % 8)}`] } : {}),
    // a DSA fixes one to three CVEs, some of them other records' aliases: its findings are keyed by
    // each CVE's group (vulndb/vulnerabilities.ts), so an update of one record moves findings of others
    ...(deb ? { upstream: [...new Set(Array.from({ length: 1 + int(3) }, () => `CVE-2025-${1000 + int(8)}`))] } : {}),
    ...(rand() < 0.7 ? { severity: [{ type: 'CVSS_V3', score: pick(SCORES) }] } : {}),
    affected: [affected],
  };
}

function inventory(): Package[] {
  const out: Package[] = [];
  for (const name of PYPI) {
    if (rand() < 0.3) continue;
    const location = pick(['/app/requirements.txt', '/opt/tool/requirements.txt']);
    out.push({ ecosystem: 'PyPI', name, version: pick(VERSIONS), locations: [location] });
    // two versions of one package at one location fold into one finding (eps only: see the copy below)
    if (name === 'eps' && rand() < 0.4) out.push({ ecosystem: 'PyPI', name, version: pick(VERSIONS), locations: [location] });
  }
  for (const [name, src] of DEB) if (rand() < 0.7) out.push({ ecosystem: 'Debian:12', name, sourceName: src, version: pick(DEB_VERSIONS), locations: ['/var/lib/dpkg/status'] });
  return out;
}

function writeSet(records: OsvRecord[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-delta-'));
  mkdirSync(join(dir, 'osv'));
  for (const r of records) writeFileSync(join(dir, 'osv', `${r.id}.json`), JSON.stringify(r));
  return dir;
}

async function scan(store: Store, packages: Package[]) {
  const report = await matchInventory(packages, packageLookup(store));
  const ctx = await loadAdvisoryContext(store, report.packages.flatMap((p) => p.matches.map((m) => m.id)));
  return buildScanResult({ target: { kind: 'rootfs', ref: 't' }, packages, errors: [], report, ctx, createdAt: '2025-03-01T00:00:00Z', version: 'test' });
}

const counts = (r: { created: number; updated: number; closed: number; reopened: number }) => [r.created, r.updated, r.closed, r.reopened];

for (const [dialect, make] of dialects) {
  describe(`delta rematch agrees with the full rematch (${dialect})`, () => {
    const dirs: string[] = [];
    after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

    test('a seeded fleet through six advisory updates', async () => {
      ({ rand, int, pick } = seededRandom(Number(process.env.VIGIL_TEST_SEED ?? 0x5eed)));
      const ts = await make();
      const { store } = ts;
      try {
        let records = Array.from({ length: 24 }, (_, i) => advisory(i, '2025-01-01T00:00:00Z'));
        dirs.push(writeSet(records));
        await importInputs([dirs.at(-1)!], { store, log, now: () => day(0) });
        for (let i = 0; i < 40; i++) {
          const id = `r-${i}`;
          await recordScan(store, { accountId: `acct-${i % 3}`, resource: { id, type: 'image', name: `reg/app-${i % 4}` }, result: await scan(store, inventory()), now: day(0) });
        }
        await setCoverage(store, { accountId: 'acct-1', resourceId: 'r-1', status: 'INACTIVE', reason: 'IMAGE_UNTAGGED', closeFindings: true, now: day(0) });
        // issue 16: resources whose Vigil score context differs (reachability, registry pull signal):
        // their findings of one package row are other templates than the rest's
        for (let i = 2; i < 40; i += 3) {
          const c = i % 4;
          if (c === 0 || c === 1) await setResourceReachability(store, { accountId: `acct-${i % 3}`, resourceId: `r-${i}`, reachability: { internet: c === 1, source: 'test' }, now: day(0) });
          else await store.db.updateTable('resources').set({ last_pulled_at: (c === 2 ? day(-200) : day(0)).toISOString() }).where('id', '=', `r-${i}`).execute();
        }
        await rescoreResources(store, Array.from({ length: 40 }, (_, i) => `r-${i}`), day(0));
        assert.ok((await store.db.selectFrom('findings').select('details').execute()).some((f) => /"metric":"(reachability|inUse)"/.test(f.details)), 'some findings scored in context');
        await createSuppressionRule(store, { id: 'rule-beta', accountId: 'acct-0', name: 'beta until day 3', reason: 'tested', criteria: { packages: [{ name: 'beta' }] }, expiresAt: day(3).toISOString() }, day(0));
        await createSuppressionRule(store, { id: 'rule-foo', accountId: 'acct-2', name: 'foo', reason: 'tested', criteria: { packages: [{ name: 'libfoo1' }] } }, day(0));
        for (const a of ['acct-0', 'acct-2']) await applySuppressionRules(store, a, day(0));
        assert.ok((await store.db.selectFrom('findings').select('id').where('status', '=', 'SUPPRESSED').execute()).length > 0, 'some findings suppressed');

        for (let round = 1; round <= 6; round++) {
          const now = day(round);
          // the update: some records re-scored or re-ranged, a new one, one withdrawn; one each of alpha, beta (the expiring rule's) and foo always
          const modified = `2025-02-0${round}T00:00:00Z`;
          const next: OsvRecord[] = [];
          records = records.map((r, i) => {
            const touch = i === 0 || i === 1 || i === 4 || rand() < 0.25;
            if (!touch) return r;
            const fresh = advisory(i, modified);
            const n: OsvRecord = { ...fresh, id: r.id, aliases: r.aliases, affected: [{ ...fresh.affected![0], package: r.affected![0].package }] };
            if (round === 4 && i === 9) n.withdrawn = modified;
            next.push(n);
            return n;
          });
          const extra = advisory(24 + round, modified);
          records.push(extra);
          next.push(extra);
          dirs.push(writeSet(next));
          const imp = await importInputs([dirs.at(-1)!], { store, log, now: () => now });

          // disturb the stored state of the findings the update touches (those of its groups, which
          // the delta rebuilds): a deleted finding, a closed one and one written before state_hash in
          // odd rounds; a copy of one on a resource that does not have its package there (a hash
          // counted once too often) in even rounds. (The delta compares counts per hash, relying on
          // what every writer keeps true: a template's open findings are on exactly the ACTIVE
          // resources with its package row. A deletion and a copy of the same hash in one round would
          // cancel out, as would a copy and a resource whose two versions of the package fold into
          // one finding; only a full rematch would see that.)
          const groups = (await store.db.selectFrom('change_set_groups').select('group_id').where('change_set_id', '=', imp.changeSetId).execute()).map((g) => g.group_id);
          const hit = await store.db.selectFrom('findings').selectAll().where('vulnerability_id', 'in', groups).where('status', '!=', 'CLOSED').orderBy('id').execute();
          if (hit.length >= 4) {
            if (round % 2 === 1) {
              await store.db.deleteFrom('findings').where('id', '=', hit[0].id).execute();
              await store.db.updateTable('findings').set({ status: 'CLOSED', closed_at: day(round - 0.5).toISOString() }).where('id', '=', hit[1].id).execute();
              await store.db.updateTable('findings').set({ state_hash: '' }).where('id', '=', hit[2].id).execute();
            }
            // not of eps, whose folded findings make its templates' counts differ anyway: a copy could cancel that out
            const f = hit.slice(3).find((x) => x.package_name !== 'eps') ?? hit[3];
            const without = await store.db.selectFrom('resources').select(['id', 'account_id']).where('coverage_status', '=', 'ACTIVE')
              .where((eb) => eb.not(eb.exists(eb.selectFrom('resource_packages').select('resource_id').whereRef('resource_packages.resource_id', '=', 'resources.id')
                .where('resource_packages.name', '=', f.package_name).where('resource_packages.location', '=', f.package_location))))
              .orderBy('id').executeTakeFirst();
            const key = without && packageFindingKeyOf(without.account_id, without.id, f.type, f.vulnerability_id, f.package_ecosystem, f.package_name);
            const taken = key && await store.db.selectFrom('findings').select('id').where('finding_key', '=', key).executeTakeFirst(); // an earlier round's copy, closed
            if (round % 2 === 0 && without && key && !taken) await store.db.insertInto('findings').values({ ...f, id: `fnd-copy-${round}`, finding_key: key, account_id: without.account_id, resource_id: without.id }).execute();
          }


          const delta = await rematchChangeSet(store, imp.changeSetId, now);
          // one event per finding it changed (whichever way it took: in place, per resource), as many as it counted
          const evs = (await store.db.selectFrom('events').select(['type', 'payload']).where('created_at', '=', now.toISOString()).execute()).map((e) => ({ type: e.type, id: JSON.parse(e.payload).findingId as string }));
          assert.equal(new Set(evs.map((e) => e.id)).size, evs.length, `round ${round}: one event per finding`);
          assert.equal(evs.filter((e) => e.type === 'finding.created').length, delta.created, `round ${round}: created`);
          assert.equal(evs.filter((e) => e.type === 'finding.closed').length, delta.closed, `round ${round}: closed`);
          assert.ok(evs.filter((e) => e.type === 'finding.updated').length <= delta.updated + delta.reopened, `round ${round}: updated`);
          // and every open finding of the touched groups counted once: created, updated, reopened or
          // unchanged (the unchanged count is not exact after a round that deleted or closed findings
          // behind the delta's back; the writes are, as the full rematch below checks)
          const openTouched = groups.length === 0 ? 0 : Number((await store.db.selectFrom('findings').select((eb) => eb.fn.countAll<number>().as('n')).where('vulnerability_id', 'in', groups).where('status', 'in', ['ACTIVE', 'SUPPRESSED']).executeTakeFirstOrThrow()).n);
          if (round % 2 === 0) assert.equal(delta.created + delta.updated + delta.reopened + delta.unchanged, openTouched, `round ${round}: counts ${JSON.stringify(delta)}`);
          // the engine's tick returns what an expired rule suppressed to ACTIVE (the delta only does so for the touched groups)
          if (round >= 3) await applySuppressionRules(store, 'acct-0', now);
          const events1 = Number((await store.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).where('type', 'in', ['finding.created', 'finding.closed']).executeTakeFirstOrThrow()).n);
          const full = await rematchAll(store, now);
          assert.deepEqual(counts(full), [0, 0, 0, 0], `round ${round}: the full rematch found nothing left to change after the delta (${JSON.stringify(delta)})`);
          const again = await rematchChangeSet(store, imp.changeSetId, new Date(now.getTime() + 3_600_000));
          assert.deepEqual(counts(again), [0, 0, 0, 0], `round ${round}: the re-run writes nothing`);
          const events2 = Number((await store.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).where('type', 'in', ['finding.created', 'finding.closed']).executeTakeFirstOrThrow()).n);
          assert.equal(events2, events1, `round ${round}: no events after the delta`);
          // one open finding per key, none on the inactive resource
          const open = await store.db.selectFrom('findings').select(['id', 'finding_key', 'resource_id', 'suppressed_by']).where('status', '!=', 'CLOSED').execute();
          assert.equal(new Set(open.map((f) => f.finding_key)).size, open.length);
          assert.ok(open.every((f) => f.resource_id !== 'r-1'));
          if (round >= 3) assert.ok(open.every((f) => f.suppressed_by !== 'rule-beta'), 'the expired rule suppresses nothing');
          assert.ok(!open.some((f) => f.id.startsWith('fnd-copy')), 'the copy on a resource without the package closed');
          assert.ok(delta.created + delta.updated + delta.closed + delta.reopened > 0, `round ${round}: the update changed something`);
        }
      } finally {
        await ts.cleanup();
      }
    });
  });
}
