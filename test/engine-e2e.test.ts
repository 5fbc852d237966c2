/**
 * The continuous engine end to end, on real parts, with the server on SQLite and on PostgreSQL:
 * `vigil server` as a child process, a real docker-registry with push notifications pointed at
 * it, skopeo pushing the real images built by ../shared/tools/build-targets.sh, and real
 * advisories from ../shared/vulndata. No call triggers a scan: the registry's notification does.
 *
 * 1. pushing bullseye-app makes its findings appear (lodash, Django, …)
 * 2. importing a newer advisory data set (one new record) adds the finding to the resource through
 *    a rematch, without a rescan
 * 3. a suppression rule hides the Django findings, and still hides them after a rescan
 * 4. moving the tag to the plain bullseye image closes the old digest's findings
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { skopeoCopy, startRegistry, which, type RegistryProcess } from '../src/sources/registry/testutil.ts';
import type { Store } from '../src/store/index.ts';
import { dialects, type TestStore } from './helpers/stores.ts';
import { registryE2eUnavailable, startRegistryWithNotifications, startServer, TARGETS, VIGIL, vigilCli, VULNDATA, waitFor, type ServerProcess } from './helpers/server.ts';



async function findingsOf(store: Store, resourceId: string) {
  return store.db.selectFrom('findings').select(['id', 'vulnerability_id', 'advisory_id', 'package_ecosystem', 'package_name', 'status', 'suppressed_by'])
    .where('resource_id', '=', resourceId).execute();
}

async function scansOf(store: Store, resourceId: string): Promise<number> {
  const r = await store.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).where('type', '=', 'scan.completed').where('resource_id', '=', resourceId).executeTakeFirstOrThrow();
  return Number(r.n);
}

const NEW_ADVISORY = {
  schema_version: '1.6.0',
  id: 'VIGIL-E2E-2026-0001',
  modified: '2026-11-20T00:00:00Z',
  published: '2026-11-20T00:00:00Z',
  summary: 'a newer advisory for minimist, imported while the server runs',
  affected: [{ package: { ecosystem: 'npm', name: 'minimist' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.2.6' }] }] }],
  database_specific: { severity: 'HIGH' },
};

const missing = await registryE2eUnavailable();

for (const [dialect, open] of dialects) {
  describe(`engine end to end (${dialect})`, { skip: missing, concurrency: false }, () => {
    let ts: TestStore;
    let home: string;
    let server: ServerProcess;
    let registry: (RegistryProcess & { targetId: string }) | undefined;
    let regDir: string;
    let registryId: string;
    let appResource: string;
    const workers: { stop(): Promise<void>; output(): string }[] = [];

    before(async () => {
      ts = await open();
      home = await mkdtemp(join(tmpdir(), 'vigil-e2e-'));
      regDir = await mkdtemp(join(tmpdir(), 'vigil-e2e-reg-'));
      await vigilCli(home, ts.url, ['db', 'import', join(VULNDATA, 'PyPI', 'all.zip'), join(VULNDATA, 'native', 'nodejs-security-wg', 'all.zip')]);
      // scale-out on PostgreSQL: the API alone, and two `vigil worker` processes sharing its queue
      // the test registry listens on loopback: the operator allows it (registration and every scan check it)
      server = await startServer({ home, db: ts.url, args: [...(dialect === 'postgres' ? ['--no-engine'] : ['--tick', '1']), '--allow-network', '127.0.0.0/8'] });
      assert.ok(server.key, server.output());
      if (dialect === 'postgres') for (let i = 0; i < 2; i++) workers.push(await startWorker(home, ts.url));
    });

    after(async () => {
      for (const w of workers) await w.stop();
      await registry?.stop();
      const code = await server?.stop();
      if (code !== 0) console.log(server?.output());
      await ts?.cleanup();
      await rm(home, { recursive: true, force: true });
      await rm(regDir, { recursive: true, force: true });
    });

    test('a push to the registry makes findings appear with no further call', async () => {
      registry = await startRegistryWithNotifications(regDir, server);
      registryId = registry.targetId;
      await skopeoCopy(`oci:${join(TARGETS, 'oci')}:bullseye-app`, `docker://${registry.host}/app:latest`);
      const resource = await waitFor('an image resource with findings', async () => {
        const r = await ts.store.db.selectFrom('resources').selectAll().where('target_id', '=', registryId).where('type', '=', 'image').executeTakeFirst();
        if (!r || r.coverage_reason !== 'SUCCESSFUL') return null;
        return (await findingsOf(ts.store, r.id)).length > 0 ? r : null;
      });
      appResource = resource.id;
      assert.equal(resource.name, `${registry.host}/app`);
      assert.deepEqual(JSON.parse(resource.tags), ['latest']);
      assert.equal(resource.coverage_status, 'ACTIVE');
      const fs = await findingsOf(ts.store, resource.id);
      assert.ok(fs.some((f) => f.package_ecosystem === 'npm' && f.package_name === 'lodash'), 'lodash findings');
      assert.ok(fs.filter((f) => f.package_ecosystem === 'PyPI' && f.package_name === 'django').length > 10, 'Django findings');
      assert.ok(fs.every((f) => f.status === 'ACTIVE'));
      // issue 20: one finding per (vulnerability, package), not one per file listing the package — the
      // 44 of a clean scan (47 before: lodash's two CVEs and handlebars' NSWG-ECO-519 came from
      // package-lock.json and node_modules both), each listing every file
      const pkgFindings = await ts.store.db.selectFrom('findings').select(['id', 'type', 'vulnerability_id', 'package_ecosystem', 'package_name', 'details'])
        .where('resource_id', '=', resource.id).where('type', 'in', ['vulnerability', 'malicious']).execute();
      assert.equal(pkgFindings.length, 44);
      assert.equal(new Set(pkgFindings.map((f) => `${f.type} ${f.vulnerability_id} ${f.package_ecosystem}/${f.package_name}`)).size, 44);
      const lodash = pkgFindings.find((f) => f.package_name === 'lodash' && f.vulnerability_id === 'CVE-2018-16487')!;
      assert.deepEqual(JSON.parse(lodash.details).locations, ['app/node_modules/lodash/package.json', 'app/package-lock.json']);
      const one = await server.api('GET', `/v1/findings/${lodash.id}`);
      assert.equal(one.status, 200, JSON.stringify(one.body));
      assert.deepEqual(one.body.details.locations, ['app/node_modules/lodash/package.json', 'app/package-lock.json']);
      assert.equal(one.body.package.location, 'app/node_modules/lodash/package.json');
      // issue 17: secrets in the image's files, with their layer (enhanced mode): the Coveralls repo
      // tokens three npm packages shipped in their .coveralls.yml, and nothing else
      const secrets = await ts.store.db.selectFrom('findings').select(['advisory_id', 'package_name', 'package_layer']).where('resource_id', '=', resource.id).where('type', '=', 'secret').orderBy('package_name').execute();
      assert.deepEqual(secrets.map((f) => f.package_name), ['app/node_modules/cliui/.coveralls.yml', 'app/node_modules/debug/.coveralls.yml', 'app/node_modules/mocha/node_modules/debug/.coveralls.yml']);
      assert.ok(secrets.every((f) => f.advisory_id === 'secret/generic-high-entropy' && /^sha256:[0-9a-f]{64}$/.test(f.package_layer ?? '')), JSON.stringify(secrets));
      // the API shows the same
      const page = await server.api('GET', `/v1/findings?resourceId=${resource.id}&limit=500`);
      assert.equal(page.status, 200, JSON.stringify(page.body));
      assert.equal(page.body.items.length, fs.length);
      const view = await server.api('GET', `/v1/registries/${registryId}`);
      assert.equal(view.body.resources.length, 1);
      assert.equal(view.body.config.notificationToken, true, 'the token is never shown again');
    });

    test('a newer advisory data set reaches the resource by rematch, without a rescan', async () => {
      assert.ok(appResource);
      const scansBefore = await scansOf(ts.store, appResource);
      assert.ok(!(await findingsOf(ts.store, appResource)).some((f) => f.advisory_id === NEW_ADVISORY.id));
      const dir = join(home, 'newer');
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, `${NEW_ADVISORY.id}.json`), JSON.stringify(NEW_ADVISORY));
      await vigilCli(home, ts.url, ['db', 'import', dir]);
      const hit = await waitFor('the new advisory on the resource', async () => (await findingsOf(ts.store, appResource)).find((f) => f.advisory_id === NEW_ADVISORY.id), 60_000);
      assert.equal(hit.package_name, 'minimist');
      assert.equal(hit.status, 'ACTIVE');
      assert.equal(await scansOf(ts.store, appResource), scansBefore, 'no rescan happened');
      const marker = await ts.store.db.selectFrom('engine_state').select('value').where('key', '=', 'rematched_change_set').executeTakeFirstOrThrow();
      const last = await ts.store.db.selectFrom('change_sets').select((eb) => eb.fn.max('id').as('id')).executeTakeFirstOrThrow();
      assert.equal(Number(marker.value), Number(last.id));
      const affected = await server.api('GET', `/v1/vulnerabilities/${NEW_ADVISORY.id}/resources`);
      assert.equal(affected.status, 200, JSON.stringify(affected.body));
      assert.deepEqual(affected.body.items.map((r: { resource: { id: string } }) => r.resource.id), [appResource]);
    });

    test('a suppression rule hides what it matches, also after a rescan', async () => {
      const rule = await server.api('POST', '/v1/suppression-rules', { name: 'django accepted', reason: 'not exposed; upgrade planned', criteria: { packages: [{ ecosystem: 'PyPI', name: 'django' }] } });
      assert.equal(rule.status, 201, JSON.stringify(rule.body));
      const check = async () => {
        const fs = await findingsOf(ts.store, appResource);
        const django = fs.filter((f) => f.package_name === 'django');
        assert.ok(django.length > 10);
        assert.ok(django.every((f) => f.status === 'SUPPRESSED' && f.suppressed_by === rule.body.rule.id), 'Django suppressed');
        assert.ok(fs.filter((f) => f.package_name !== 'django').every((f) => f.status === 'ACTIVE'), 'others active');
      };
      await check();
      const scansBefore = await scansOf(ts.store, appResource);
      const queued = await server.api('POST', `/v1/resources/${appResource}/scan`);
      assert.equal(queued.status, 202, JSON.stringify(queued.body));
      await waitFor('the rescan', async () => (await scansOf(ts.store, appResource)) > scansBefore);
      await check();
    });

    test('a registry with credentials is discovered by polling its catalog', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'vigil-e2e-auth-'));
      const { htpasswdFile } = await import('../src/sources/registry/testutil.ts');
      let authed: RegistryProcess | undefined;
      try {
        await htpasswdFile(join(dir, 'htpasswd'), 'ci', 'pw-of-ci');
        authed = await startRegistry((await which('docker-registry', 'registry'))!, dir, { htpasswd: join(dir, 'htpasswd') });
        await skopeoCopy(`oci:${join(TARGETS, 'oci')}:bullseye-app`, `docker://${authed.host}/team/web:1.0`, { creds: 'ci:pw-of-ci' });
        await skopeoCopy(`oci:${join(TARGETS, 'oci')}:bullseye`, `docker://${authed.host}/base:11`, { creds: 'ci:pw-of-ci' });
        const wrong = await server.api('POST', '/v1/registries', { name: 'wrong-password', config: { url: `http://${authed.host}`, username: 'ci', password: 'nope', pollSeconds: 60 } });
        assert.equal(wrong.status, 201);
        const created = await server.api('POST', '/v1/registries', { config: { url: `http://${authed.host}`, username: 'ci', password: 'pw-of-ci', repositories: ['team/*'], pollSeconds: 60 } });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const r = await waitFor('the catalog poll to find and scan team/web', async () => {
          const x = await ts.store.db.selectFrom('resources').selectAll().where('target_id', '=', created.body.id).executeTakeFirst();
          return x?.coverage_reason === 'SUCCESSFUL' ? x : null;
        });
        assert.equal(r.name, `${authed.host}/team/web`);
        assert.deepEqual(JSON.parse(r.tags), ['1.0']);
        assert.ok((await findingsOf(ts.store, r.id)).some((f) => f.package_name === 'lodash'));
        const all = await ts.store.db.selectFrom('resources').select('name').where('target_id', '=', created.body.id).execute();
        assert.deepEqual(all.map((x) => x.name), [`${authed.host}/team/web`], 'base is outside the repository filter');
        const failed = await waitFor('the wrong password to be reported', async () => {
          const t = await server.api('GET', `/v1/registries/${wrong.body.id}`);
          return t.body.lastError ? t.body : null;
        });
        assert.match(failed.lastError, /auth|401|denied|unauthorized/i);
        assert.equal(failed.config.password, true);
      } finally {
        await authed?.stop();
        await rm(dir, { recursive: true, force: true });
      }
    });

    if (dialect === 'postgres') {
      test('two worker processes shared the work', async () => {
        const logs = workers.map((w) => w.output());
        assert.ok(logs.every((l) => /vigil worker running/.test(l)), logs.join('\n---\n'));
        // the server ran with --no-engine: every scan ran in a worker, each exactly once
        const finished = logs.join('\n').match(/"msg":"scan finished"/g) ?? [];
        const scans = await ts.store.db.selectFrom('events').select(['resource_id']).where('type', '=', 'scan.completed').execute();
        assert.equal(finished.length, scans.length, logs.join('\n---\n'));
        assert.ok(!/scan finished/.test(server.output()));
      });
    }

    test("moving the tag to a fixed image closes the old digest's findings", async () => {
      await skopeoCopy(`oci:${join(TARGETS, 'oci')}:bullseye`, `docker://${registry!.host}/app:latest`);
      const old = await waitFor('the old digest to be untagged', async () => {
        const r = await ts.store.db.selectFrom('resources').selectAll().where('id', '=', appResource).executeTakeFirstOrThrow();
        return r.coverage_reason === 'IMAGE_UNTAGGED' ? r : null;
      });
      assert.equal(old.coverage_status, 'INACTIVE');
      assert.deepEqual(JSON.parse(old.tags), []);
      const fs = await findingsOf(ts.store, appResource);
      assert.ok(fs.length > 0 && fs.every((f) => f.status === 'CLOSED'), 'every finding of the old digest closed');
      const fresh = await waitFor('the new digest scanned', async () => {
        const r = await ts.store.db.selectFrom('resources').selectAll().where('target_id', '=', registryId).where('id', '!=', appResource).executeTakeFirst();
        return r?.coverage_reason === 'SUCCESSFUL' ? r : null;
      });
      assert.deepEqual(JSON.parse(fresh.tags), ['latest']);
      const closedEvents = await ts.store.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).where('type', '=', 'finding.closed').where('resource_id', '=', appResource).executeTakeFirstOrThrow();
      assert.ok(Number(closedEvents.n) >= fs.length);
    });
  });
}

/** `vigil worker` as a child process. */
async function startWorker(home: string, db: string): Promise<{ stop(): Promise<void>; output(): string }> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [VIGIL, '--home', home, '--db', db, 'worker', '--tick', '1', '--allow-network', '127.0.0.0/8'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, VIGIL_LOG_LEVEL: 'info' } });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor('the worker to start', async () => /vigil worker running/.test(out) || child.exitCode !== null, 60_000, 100);
  if (child.exitCode !== null) throw new Error(`vigil worker exited:\n${out}`);
  return {
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    },
  };
}
