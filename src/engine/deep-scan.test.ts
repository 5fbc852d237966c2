/**
 * Host deep inspection in the engine (issue 20): scanResource of an SSH host (a real sshd chrooted
 * into a copy of the bookworm root filesystem with npm projects planted) records the language
 * packages of the default directories plus the organization's and the account's
 * scanSettings.hostInspectionPaths, next to the OS packages; a deep-inspection bound makes the
 * resource's coverage partial with its rule, and the API refuses a bad inspection path. With
 * hostDeepInspection off (the organization's or the account's) the SSH scan and the agent's report
 * record the OS packages only.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { sqliteTestStore, type TestStore } from '../../test/helpers/stores.ts';
import { silentLogger } from '../log.ts';
import { TargetPolicy } from '../policy/index.ts';
import { bootstrap } from '../server/bootstrap.ts';
import { ScanSettings, ScanSettingsPatch } from '../server/schemas.ts';
import { setOrganizationScanSettings, updateAccount } from '../server/tenancy/repo.ts';
import { sshdUnavailable, startSshd, type TestSshd } from '../sources/ssh/testutil.ts';
import { DEFAULT_DEEP_LIMITS, DEFAULT_SSH_LIMITS } from '../sources/ssh/index.ts';
import { partialOf } from '../server/routes/findings.ts';
import { scanResource, type EngineContext } from './scan.ts';
import { ensureTargetResource } from './sources.ts';
import { createTarget } from './targets.ts';

const run = promisify(execFile);
const BOOKWORM = join(import.meta.dirname, '../../.cache/targets/rootfs-bookworm');
const TWO = join(import.meta.dirname, '../inventory/testdata/two-projects');
const unavailable = sshdUnavailable() || (!existsSync(join(BOOKWORM, 'etc/os-release')) && 'no .cache/targets/rootfs-bookworm');

describe('scanning an SSH host: deep inspection with the organization\'s and the account\'s paths', { skip: unavailable }, () => {
  let ts: TestStore;
  let d: TestSshd | undefined;
  let copy: string;
  before(async () => {
    ts = await sqliteTestStore();
    copy = await mkdtemp('/run/vigil-deep-engine-');
    await chmod(copy, 0o755);
    await run('cp', ['-a', `${BOOKWORM}/.`, copy]);
    for (const [from, to] of [['app', 'srv/app'], ['other', 'data/org-proj'], ['app', 'data2/acct-proj'], ['other', 'elsewhere/proj']]) {
      await mkdir(join(copy, to), { recursive: true });
      await run('cp', ['-a', `${join(TWO, from)}/.`, join(copy, to)]);
    }
    d = await startSshd({ chroot: copy });
  });
  after(async () => {
    await d?.stop();
    await ts?.cleanup();
    if (copy) await rm(copy, { recursive: true, force: true });
  });

  test('default, organization and account paths are inspected; others are not; a bound is partial coverage', async () => {
    const clock = new Date('2026-03-01T10:00:00.000Z');
    const b = (await bootstrap(ts.store))!;
    const ctx: EngineContext = { store: ts.store, log: silentLogger(), now: () => clock, policy: TargetPolicy.operator() };
    const org = b.organization;
    await setOrganizationScanSettings(ts.store.db, org.id, ScanSettings.parse({ ...org.scanSettings, hostInspectionPaths: ['/data'] }));
    await updateAccount(ts.store.db, b.delegatedAdmin.id, { scanSettings: ScanSettings.parse({ ...b.delegatedAdmin.scanSettings, hostInspectionPaths: ['/data2'] }) });
    const t = await createTarget(ts.store, { accountId: b.delegatedAdmin.id, kind: 'host', name: 'deep', config: { mode: 'ssh', address: d!.host, port: d!.port, username: d!.username, privateKey: d!.clientKey, hostKeyFingerprint: d!.hostKeyFingerprint } }, clock);
    const id = await ensureTargetResource(ctx, t, {});
    const out = await scanResource(ctx, id);
    assert.equal(out.status, 'recorded', JSON.stringify(out));
    const rows = await ts.store.db.selectFrom('resource_packages').select(['ecosystem', 'name', 'version', 'location']).where('resource_id', '=', id).execute();
    const npm = rows.filter((r) => r.ecosystem === 'npm');
    const roots = new Set(npm.map((r) => r.location.split('/').slice(0, 2).join('/')));
    assert.deepEqual([...roots].sort(), ['data/org-proj', 'data2/acct-proj', 'srv/app']);
    assert.ok(npm.some((r) => r.name === 'lodash' && r.version === '4.17.4'));
    assert.ok(rows.filter((r) => r.ecosystem.startsWith('Debian')).length > 50, 'the OS packages stay');
    const attrs = JSON.parse((await ts.store.db.selectFrom('resources').select('attributes').where('id', '=', id).executeTakeFirstOrThrow()).attributes);
    assert.equal(attrs.partial, undefined, 'nothing skipped');

    // a bound hit: still recorded, coverage partial with the rule (as the API shows it)
    // (the engine scans with the source's default limits: lowered here for this one scan)
    assert.equal(DEFAULT_SSH_LIMITS.deep, DEFAULT_DEEP_LIMITS);
    const saved = DEFAULT_SSH_LIMITS.deep;
    (DEFAULT_SSH_LIMITS as { deep: typeof saved }).deep = { ...saved, maxFiles: 5 };
    try {
      const again = await scanResource(ctx, id);
      assert.equal(again.status, 'recorded');
    } finally {
      (DEFAULT_SSH_LIMITS as { deep: typeof saved }).deep = saved;
    }
    const r2 = await ts.store.db.selectFrom('resources').select('attributes').where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(partialOf(r2.attributes).partial?.rules['deep-inspection-files'], 1, r2.attributes.slice(0, 2000));

    // deep inspection off — the organization's setting, then the account's: the OS package databases only
    const packagesOf = async () => ts.store.db.selectFrom('resource_packages').select(['ecosystem']).where('resource_id', '=', id).execute();
    const orgNow = (await ts.store.db.selectFrom('organizations').select('scan_settings').where('id', '=', org.id).executeTakeFirstOrThrow()).scan_settings;
    for (const off of ['organization', 'account'] as const) {
      if (off === 'organization') await setOrganizationScanSettings(ts.store.db, org.id, ScanSettings.parse({ ...JSON.parse(orgNow), hostDeepInspection: false }));
      else {
        await setOrganizationScanSettings(ts.store.db, org.id, ScanSettings.parse(JSON.parse(orgNow)));
        await updateAccount(ts.store.db, b.delegatedAdmin.id, { scanSettings: ScanSettings.parse({ ...b.delegatedAdmin.scanSettings, hostInspectionPaths: ['/data2'], hostDeepInspection: false }) });
      }
      assert.equal((await scanResource(ctx, id)).status, 'recorded');
      const eco = (await packagesOf()).map((r) => r.ecosystem);
      assert.equal(eco.filter((e) => e === 'npm').length, 0, `no language package with deep inspection off (${off})`);
      assert.ok(eco.filter((e) => e.startsWith('Debian')).length > 50, 'the OS packages stay');
    }
    // the agent's report on the same files: with deep inspection off its language packages are left out too
    const { collectAgentReport } = await import('../cli/agent.ts');
    const { recordAgentReport } = await import('./agent.ts');
    const report = await collectAgentReport(copy, 'agent-deep', { inspectPaths: ['/data2'] });
    assert.ok(report.packages.some((p) => p.ecosystem === 'npm'), 'the agent found the npm projects');
    const rec = await recordAgentReport(ctx, b.delegatedAdmin.id, report);
    const agentRows = await ts.store.db.selectFrom('resource_packages').select(['ecosystem']).where('resource_id', '=', rec.resourceId).execute();
    assert.equal(agentRows.filter((r) => r.ecosystem === 'npm').length, 0, 'the account\'s setting holds for agent reports');
    assert.ok(agentRows.length > 50);
    // on again: the language packages come back
    await updateAccount(ts.store.db, b.delegatedAdmin.id, { scanSettings: ScanSettings.parse({ ...b.delegatedAdmin.scanSettings, hostInspectionPaths: ['/data2'], hostDeepInspection: true }) });
    assert.equal((await scanResource(ctx, id)).status, 'recorded');
    assert.ok((await packagesOf()).some((r) => r.ecosystem === 'npm'));
    const rec2 = await recordAgentReport(ctx, b.delegatedAdmin.id, await collectAgentReport(copy, 'agent-deep', { inspectPaths: ['/data2'] }));
    assert.ok((await ts.store.db.selectFrom('resource_packages').select(['ecosystem']).where('resource_id', '=', rec2.resourceId).execute()).some((r) => r.ecosystem === 'npm'));
    assert.equal(ScanSettingsPatch.safeParse({ hostDeepInspection: 'no' }).success, false);

    // the API's validation: absolute, normalised, not a pseudo filesystem, at most 16
    assert.equal(ScanSettingsPatch.safeParse({ hostInspectionPaths: ['/opt/app'] }).success, true);
    for (const bad of [['relative'], ['/proc'], ['/a/../b'], Array.from({ length: 17 }, (_, i) => `/d${i}`)]) {
      assert.equal(ScanSettingsPatch.safeParse({ hostInspectionPaths: bad }).success, false, JSON.stringify(bad));
    }
  });
});
