/**
 * The SBOM endpoints (routes/sbom.ts) on SQLite and PostgreSQL: a resource's SBOM validated against
 * the official CycloneDX 1.6 and SPDX 2.3 schemas, export jobs (request, job, status, download,
 * tenancy, limits, expiry and collection of the archive), POST /v1/sbom/scan against the CLI's own
 * path; and the engine changes of issue 15 that go with them: autoEnable, the start-up snapshot,
 * typed target configs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { unzipSync } from 'fflate';
import { scanResultOf } from '../../test/helpers/findings.ts';
import { dialects, type TestStore } from '../../test/helpers/stores.ts';
import { collectBlobs, createSbomExport, Engine, runIsolated, runSbomExport, scanResource, SBOM_EXPORT_MAX_RESOURCES, type SbomExportRow } from '../engine/index.ts';
import { openQueue, type JobQueue } from '../engine/queue/index.ts';
import { recordScan } from '../findings/index.ts';
import { createSchemaValidators, describeSchemaErrors } from '../integrations/schemas/index.ts';
import { readSbom } from '../integrations/sbom/index.ts';
import { silentLogger } from '../log.ts';
import type { Package, ScanResult } from '../model/index.ts';
import { importInputs } from '../vulndb/import.ts';
import { buildServer, type VigilServer } from './app.ts';
import { bootstrap } from './bootstrap.ts';
import * as repo from './tenancy/repo.ts';

const log = silentLogger();
const validators = createSchemaValidators();

const PKGS: Package[] = [
  { ecosystem: 'Debian:12', name: 'libssl3', sourceName: 'openssl', version: '3.0.9-1', purl: 'pkg:deb/debian/libssl3@3.0.9-1?distro=debian-12', locations: ['/var/lib/dpkg/status'], layer: { index: 0, digest: 'sha256:base', createdBy: 'ADD rootfs.tar /' } },
  { ecosystem: 'npm', name: 'lodash', version: '4.17.0', purl: 'pkg:npm/lodash@4.17.0', locations: ['/app/package-lock.json'], layer: { index: 2, digest: 'sha256:app', createdBy: 'COPY . /app' } },
  { ecosystem: 'npm', name: 'ms', version: '2.1.2', purl: 'pkg:npm/ms@2.1.2', locations: ['/app/node_modules/ms/package.json'], layer: { index: 2, digest: 'sha256:app', createdBy: 'COPY . /app' } },
];
const inventory = (packages: Package[]): ScanResult => ({
  schemaVersion: 1, tool: { name: 'vigil', version: 'test' }, createdAt: '2026-02-01T00:00:00.000Z',
  target: { kind: 'registry', ref: 'reg/app:1' }, packages, findings: [], unknown: [], errors: [], fixes: [],
});

const ADVISORY = {
  schema_version: '1.6.0', id: 'GHSA-sbom-test-0001', aliases: ['CVE-2099-0001'], modified: '2025-01-01T00:00:00Z', summary: 'prototype pollution in lodash',
  affected: [{ package: { ecosystem: 'npm', name: 'lodash' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.17.21' }] }] }],
};
const CDX = { bomFormat: 'CycloneDX', specVersion: '1.6', version: 1, components: [
  { type: 'library', name: 'lodash', version: '4.17.0', purl: 'pkg:npm/lodash@4.17.0' },
  { type: 'library', name: 'ms', version: '2.1.2', purl: 'pkg:npm/ms@2.1.2' },
  { type: 'library', name: 'no-purl', version: '1.0' },
] };
const SPDX = {
  spdxVersion: 'SPDX-2.3', dataLicense: 'CC0-1.0', SPDXID: 'SPDXRef-DOCUMENT', name: 'upload', documentNamespace: 'https://example.com/upload',
  creationInfo: { created: '2026-01-01T00:00:00Z', creators: ['Tool: test'] },
  packages: [{ SPDXID: 'SPDXRef-lodash', name: 'lodash', versionInfo: '4.17.0', downloadLocation: 'NOASSERTION', externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: 'pkg:npm/lodash@4.17.0' }] }],
};

for (const [dialect, make] of dialects) {
  describe(`SBOM API (${dialect})`, () => {
    let ts: TestStore;
    let app: VigilServer;
    let queue: JobQueue;
    let engine: Engine;
    let admin: string;
    let member: { id: string; key: string };
    let other: { key: string };
    let resourceId: string;
    let memberResource: string;
    const clock = new Date('2026-03-01T10:00:00.000Z');
    before(async () => {
      ts = await make();
      const b = (await bootstrap(ts.store))!;
      admin = b.key;
      const m = await repo.createAccount(ts.store.db, b.organization.id, 'member');
      member = { id: m.id, key: (await repo.createApiKey(ts.store.db, m.id, 'analyst', 'analyst')).key };
      const o = await repo.createOrganization(ts.store.db, { name: 'other', scanSettings: b.organization.scanSettings });
      other = { key: o.adminKey.key };
      const dir = mkdtempSync(join(tmpdir(), 'vigil-sbom-osv-'));
      writeFileSync(join(dir, `${ADVISORY.id}.json`), JSON.stringify(ADVISORY));
      await importInputs([dir], { store: ts.store, log });
      rmSync(dir, { recursive: true, force: true });
      resourceId = (await recordScan(ts.store, { accountId: b.delegatedAdmin.id, resource: { type: 'image', name: 'reg/app', ref: 'reg/app:1', digest: 'sha256:d1', tags: ['1'] }, result: inventory(PKGS), now: clock })).resourceId;
      await ts.store.db.updateTable('resources').set({ attributes: JSON.stringify({ os: { id: 'debian', versionId: '12', ecosystem: 'Debian:12' } }) }).where('id', '=', resourceId).execute();
      memberResource = (await recordScan(ts.store, { accountId: m.id, resource: { type: 'repository', name: 'https://git.example/app.git#main', digest: 'c0ffee' }, result: inventory(PKGS.slice(1)), now: clock })).resourceId;
      queue = await openQueue(ts.store, { log });
      engine = new Engine({ store: ts.store, queue, log, now: () => clock });
      app = await buildServer({ store: ts.store, log, config: { defaultMetrics: false }, engine });
    });
    after(async () => {
      await app?.close();
      await queue?.stop();
      await ts?.cleanup();
    });
    const call = (method: string, url: string, key: string, payload?: unknown, headers: Record<string, string> = {}) =>
      app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${key}`, ...headers }, ...(payload === undefined ? {} : { payload: payload as object }) });

    test('GET /v1/resources/{id}/sbom: CycloneDX 1.6 and SPDX 2.3, valid, a download, the stored inventory with its layers and OS', async () => {
      const cdx = await call('GET', `/v1/resources/${resourceId}/sbom?format=cyclonedx`, admin);
      assert.equal(cdx.statusCode, 200, cdx.body);
      assert.match(cdx.headers['content-type'] as string, /^application\/vnd\.cyclonedx\+json/);
      assert.equal(cdx.headers['content-disposition'], `attachment; filename="reg_app_${resourceId}.cdx.json"`);
      const v = validators.cyclonedx('1.6');
      assert.ok(v(cdx.json()), describeSchemaErrors(v.errors));
      const bom = cdx.json();
      assert.equal(bom.metadata.component.type, 'container');
      assert.equal(bom.metadata.component.version, 'sha256:d1');
      assert.ok(bom.metadata.component.properties.some((p: { name: string; value: string }) => p.name === 'vigil:layer' && p.value === '2 sha256:app COPY . /app'));
      assert.equal(bom.components.find((c: { type: string }) => c.type === 'operating-system').name, 'debian');
      assert.equal(bom.vulnerabilities, undefined, 'an inventory, no VEX');
      const back = readSbom(cdx.body, 'resource.cdx.json', { validators });
      assert.deepEqual(back.packages.map((p) => `${p.ecosystem}/${p.name}@${p.version} ${p.layer?.digest}`).sort(), PKGS.map((p) => `${p.ecosystem}/${p.name}@${p.version} ${p.layer?.digest}`).sort());
      // the same inventory gives the same document
      assert.equal((await call('GET', `/v1/resources/${resourceId}/sbom`, admin)).body, cdx.body);

      const spdx = await call('GET', `/v1/resources/${resourceId}/sbom?format=spdx`, admin);
      assert.equal(spdx.statusCode, 200);
      assert.match(spdx.headers['content-disposition'] as string, /\.spdx\.json"$/);
      const vs = validators.spdx23();
      assert.ok(vs(spdx.json()), describeSchemaErrors(vs.errors));
      assert.equal(readSbom(spdx.body, 'resource.spdx.json', { validators }).packages.length, PKGS.length);

      const bad = await call('GET', `/v1/resources/${resourceId}/sbom?format=xml`, admin);
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error.details.issues[0].field, 'format');
      assert.equal((await call('GET', `/v1/resources/${resourceId}/sbom`, other.key)).statusCode, 404);
      assert.equal((await call('GET', `/v1/resources/${resourceId}/sbom`, member.key)).statusCode, 404, 'a member does not see the admin account');
    });

    test('SBOM exports: queued, run by the job, status, zip of valid documents; tenancy; delegated admin for a member', async () => {
      const created = await call('POST', '/v1/sbom-exports', admin, { format: 'cyclonedx', filter: { resourceType: ['image', 'repository'] } });
      assert.equal(created.statusCode, 202, created.body);
      const ex = created.json();
      assert.equal(ex.status, 'QUEUED');
      assert.equal(ex.resources, 2);
      assert.equal(ex.downloadUrl, undefined);
      assert.equal(ex.expiresAt, '2026-03-08T10:00:00.000Z');
      const early = await call('GET', `/v1/sbom-exports/${ex.id}/download`, admin);
      assert.equal(early.statusCode, 409);
      assert.equal(early.json().error.details.rule, 'export-not-ready');
      // the job's handler, as a worker runs it
      await engine.sbomExportNow(ex.id);
      const done = (await call('GET', `/v1/sbom-exports/${ex.id}`, admin)).json();
      assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done));
      assert.equal(done.documents, 2);
      assert.equal(done.downloadUrl, `/v1/sbom-exports/${ex.id}/download`);
      const dl = await call('GET', done.downloadUrl, admin);
      assert.equal(dl.statusCode, 200);
      assert.equal(dl.headers['content-type'], 'application/zip');
      assert.equal(dl.headers['content-disposition'], `attachment; filename="vigil-sbom-export-${ex.id}.zip"`);
      const files = unzipSync(new Uint8Array(dl.rawPayload));
      assert.deepEqual(Object.keys(files).sort(), [`git.example_app.git_main_${memberResource}.cdx.json`, `reg_app_${resourceId}.cdx.json`].sort());
      const v = validators.cyclonedx('1.6');
      for (const data of Object.values(files)) assert.ok(v(JSON.parse(Buffer.from(data).toString('utf8'))), describeSchemaErrors(v.errors));
      assert.equal(done.size, dl.rawPayload.length);
      // a rerun of the job changes nothing
      assert.equal((await engine.sbomExportNow(ex.id))?.blob_digest, (await ts.store.db.selectFrom('sbom_exports').select('blob_digest').where('id', '=', ex.id).executeTakeFirstOrThrow()).blob_digest);

      // others: the export and the resources are out of sight
      assert.equal((await call('GET', `/v1/sbom-exports/${ex.id}`, other.key)).statusCode, 404);
      assert.equal((await call('GET', `/v1/sbom-exports/${ex.id}/download`, member.key)).statusCode, 404);
      assert.ok(!(await call('GET', '/v1/sbom-exports', member.key)).body.includes(ex.id));
      const foreign = await call('POST', '/v1/sbom-exports', other.key, { format: 'spdx', resourceIds: [resourceId] });
      assert.equal(foreign.statusCode, 404);
      // the delegated admin exports for a member: the export is the member's, and the member sees it
      const forMember = await call('POST', '/v1/sbom-exports', admin, { format: 'spdx', filter: { accountId: member.id } });
      assert.equal(forMember.statusCode, 202, forMember.body);
      assert.equal(forMember.json().accountId, member.id);
      assert.equal(forMember.json().resources, 1);
      assert.ok((await call('GET', '/v1/sbom-exports', member.key)).json().items.some((x: { id: string }) => x.id === forMember.json().id));
      // the member's own export by ids; a filter given with ids narrows them
      const own = await call('POST', '/v1/sbom-exports', member.key, { format: 'spdx', resourceIds: [memberResource], filter: { name: 'https://git.example/*' } });
      assert.equal(own.statusCode, 202, own.body);
      const none = await call('POST', '/v1/sbom-exports', member.key, { format: 'spdx', resourceIds: [memberResource], filter: { resourceType: 'image' } });
      assert.equal(none.statusCode, 400);
      assert.equal(none.json().error.details.rule, 'no-resources');
      const list = (await call('GET', '/v1/sbom-exports', admin)).json().items as { id: string; createdAt: string }[];
      assert.ok(list.some((x) => x.id === ex.id) && list.some((x) => x.id === forMember.json().id), 'the delegated admin sees every account\'s exports');
    });

    test('SBOM exports: the limit, and expiry with the archive collected', async () => {
      await assert.rejects(createSbomExport(ts.store, { accountId: member.id, format: 'spdx', resourceIds: Array.from({ length: SBOM_EXPORT_MAX_RESOURCES + 1 }, (_, i) => `r-${i}`), request: {} }, clock),
        (e: { code?: string; rule?: string }) => e.code === 'VIGIL_LIMIT_EXCEEDED' && e.rule === 'max-resources');
      const row = await createSbomExport(ts.store, { accountId: member.id, format: 'spdx', resourceIds: [memberResource], request: {} }, clock);
      const done = (await runSbomExport(ts.store, row.id, clock)) as SbomExportRow;
      assert.equal(done.status, 'SUCCEEDED');
      const blob = () => ts.store.db.selectFrom('blobs').select('digest').where('account_id', '=', member.id).where('digest', '=', done.blob_digest!).executeTakeFirst();
      // past the blobs' 24-hour grace, but the export is still there: its archive stays
      await collectBlobs(ts.store, new Date(clock.getTime() + 3 * 86_400_000));
      assert.ok(await blob(), 'an unexpired export keeps its archive');
      // a tick after the expiry deletes the export, then the archive
      const later = new Date(clock.getTime() + 8 * 86_400_000);
      const tickEngine = new Engine({ store: ts.store, queue, log, now: () => later });
      await tickEngine.tick();
      assert.equal(await ts.store.db.selectFrom('sbom_exports').select('id').where('id', '=', row.id).executeTakeFirst(), undefined);
      assert.equal(await blob(), undefined, 'the expired export\'s archive is collected');
    });

    test('POST /v1/sbom/scan: findings as `vigil scan sbom` gives them, nothing stored; bad documents name the rule', async () => {
      const before = await ts.store.db.selectFrom('findings').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const res = await call('POST', '/v1/sbom/scan', member.key, CDX);
      assert.equal(res.statusCode, 200, res.body);
      const out = res.json();
      assert.equal(out.format, 'CycloneDX 1.6');
      assert.deepEqual(out.packages.map((p: Package) => `${p.ecosystem}/${p.name}@${p.version}`).sort(), ['npm/lodash@4.17.0', 'npm/ms@2.1.2']);
      assert.deepEqual(out.skipped, [{ ref: 'no-purl@1.0', reason: 'no purl' }]);
      assert.equal(out.findings.length, 1);
      const f = out.findings[0];
      assert.equal(f.id, 'GHSA-sbom-test-0001');
      assert.equal(f.fixedVersion, '4.17.21');
      assert.equal(out.packages[f.packageIndex].name, 'lodash');
      assert.equal(f.explanation.hit.by, 'range');
      const after = await ts.store.db.selectFrom('findings').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      assert.equal(Number(after.n), Number(before.n), 'nothing stored');
      assert.equal((await call('POST', '/v1/sbom/scan', member.key, '<bom/>', { 'content-type': 'application/xml' })).statusCode, 415);
      const big = await call('POST', '/v1/sbom/scan', member.key, `{"bomFormat":"CycloneDX","pad":"${'x'.repeat(32 * 1024 * 1024)}"}`, { 'content-type': 'application/json' });
      assert.equal(big.statusCode, 413);
      assert.equal(big.json().error.code, 'VIGIL_LIMIT_EXCEEDED');
      // each scan is a child process: what does not depend on the database runs once (SQLite)
      if (dialect !== 'sqlite') return;
      // the CLI's path (`vigil scan sbom file --format json`) gives the same findings
      const dir = mkdtempSync(join(tmpdir(), 'vigil-sbom-cli-'));
      writeFileSync(join(dir, 'bom.json'), JSON.stringify(CDX));
      const cli = await runIsolated<ScanResult>({ kind: 'target', target: { kind: 'sbom', ref: join(dir, 'bom.json'), scanners: ['vuln', 'malware'] }, match: { databaseUrl: ts.store.url, hideUnfixed: false, createdAt: clock.toISOString(), version: '0.1.0' } }, { limits: engine.scanLimits, label: 'cli' });
      rmSync(dir, { recursive: true, force: true });
      const { canonicalize } = await import('../integrations/report/index.ts');
      assert.deepEqual(out.findings, JSON.parse(JSON.stringify(canonicalize(cli).findings)));

      const spdx = await call('POST', '/v1/sbom/scan', member.key, SPDX, { 'content-type': 'application/spdx+json' });
      assert.equal(spdx.statusCode, 200, spdx.body);
      assert.equal(spdx.json().format, 'SPDX 2.3');
      assert.equal(spdx.json().findings.length, 1);

      const cases: [unknown, string][] = [
        ['{"bomFormat":', 'json'], [{ bomFormat: 'CycloneDX', specVersion: '1.6', version: 1, components: [{ name: 42 }] }, 'cyclonedx-1.6-schema'],
      ];
      for (const [doc, rule] of cases) {
        const r = await call('POST', '/v1/sbom/scan', member.key, typeof doc === 'string' ? doc : doc, { 'content-type': 'application/json' });
        assert.equal(r.statusCode, 400, `${rule}: ${r.body}`);
        assert.equal(r.json().error.code, 'VIGIL_INVALID_INPUT');
        assert.equal(r.json().error.details.rule, rule, r.body);
        assert.match(r.json().error.message, /request body/);
      }
    });

    test('typed target configs: the engine\'s schema validates the body; secrets show as booleans', async () => {
      const bad = await call('POST', '/v1/registries', admin, { config: { url: 'http://127.0.0.1:5000', pollSeconds: 3 } });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error.details.issues[0].field, 'config.pollSeconds');
      const extra = await call('POST', '/v1/hosts', admin, { config: { mode: 'agent', colour: 'red' } });
      assert.equal(extra.statusCode, 400);
      assert.equal(extra.json().error.details.issues[0].field, 'config.colour');
      const doc = (await app.inject({ url: '/openapi.json' })).json();
      for (const n of ['RegistryConfig', 'HostConfig', 'RepositoryConfig', 'FunctionConfig', 'RootfsConfig']) {
        assert.ok(doc.components.schemas[`${n}Input`]?.properties, n);
        assert.ok(doc.components.schemas[`${n}View`]?.properties, `${n}View`);
      }
      assert.equal(doc.components.schemas.HostConfigView.properties.privateKey.type, 'boolean');
      assert.equal(doc.components.schemas.HostConfigInput.properties.privateKey.type, 'string');
      assert.deepEqual(doc.components.schemas.HostConfigInput.properties.mode.enum, ['ssh', 'agent', 'hybrid']);
      assert.ok(doc.components.schemas.RegistryConfigInput.properties.pollSeconds.description);
      assert.deepEqual(doc.paths['/v1/hosts'].post.requestBody.content['application/json'].schema.properties.config, { $ref: '#/components/schemas/HostConfigInput' });
    });

    test('autoEnable false: a new member account starts DISABLED and its resources are not scanned', async () => {
      const org = await repo.createOrganization(ts.store.db, { name: `manual-${dialect}`, scanSettings: { mode: 'enhanced', rescanDuration: 'lifetime', rescanFrom: 'push', autoEnable: false } });
      const res = await call('POST', '/v1/accounts', org.adminKey.key, { name: 'late' });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().status, 'DISABLED');
      const acc = res.json().id as string;
      const r = await recordScan(ts.store, { accountId: acc, resource: { type: 'image', name: 'reg/late', digest: 'sha256:l' }, result: inventory([]), now: clock });
      const out = await scanResource(engine.ctx, r.resourceId);
      assert.equal(out.status, 'inactive');
      const row = await ts.store.db.selectFrom('resources').select(['coverage_status', 'coverage_reason']).where('id', '=', r.resourceId).executeTakeFirstOrThrow();
      assert.deepEqual(row, { coverage_status: 'INACTIVE', coverage_reason: 'ACCOUNT_DISABLED' });
      // nor are its agents' reports recorded
      const k = await repo.createApiKey(ts.store.db, acc, 'agent', 'analyst');
      const rep = await call('POST', '/v1/agent/report', k.key, { hostname: 'h1', os: { id: 'debian', versionId: '12', ecosystem: 'Debian:12' }, packages: [] });
      assert.equal(rep.statusCode, 409, rep.body);
      assert.equal(rep.json().error.details.rule, 'account-disabled');
      assert.equal(await ts.store.db.selectFrom('targets').select('id').where('account_id', '=', acc).executeTakeFirst(), undefined);
      // the delegated admin enables it
      const en = await call('PATCH', `/v1/accounts/${acc}`, org.adminKey.key, { status: 'ENABLED' });
      assert.equal(en.json().status, 'ENABLED');
    });

    test('start-up: the engine takes today\'s snapshot when there is none, once', async () => {
      const day = '2026-03-01';
      const snapDay = () => ts.store.db.selectFrom('engine_state').select('value').where('key', '=', 'snapshot_day').executeTakeFirst();
      await ts.store.db.deleteFrom('engine_state').where('key', '=', 'snapshot_day').execute();
      await ts.store.db.deleteFrom('finding_snapshots').execute();
      await recordScan(ts.store, { accountId: member.id, resource: { type: 'image', name: 'reg/snap', digest: 'sha256:s' }, result: scanResultOf([{ ecosystem: 'npm', name: 'lodash', version: '4.17.0' }], [{ pkg: 0, id: 'GHSA-snap-0001', severity: 'HIGH' }]), now: clock });
      const q2 = await openQueue(ts.store, { log });
      const e2 = new Engine({ store: ts.store, queue: q2, log, now: () => clock, tickSeconds: 3600 });
      try {
        await e2.start();
        assert.equal((await snapDay())?.value, day);
        const rows = await ts.store.db.selectFrom('finding_snapshots').select(['day', 'count']).execute();
        assert.ok(rows.length > 0 && rows.every((r) => r.day === day), JSON.stringify(rows));
        assert.equal(await e2.dailyIfDue(), false, 'today\'s is taken: not again');
      } finally {
        await q2.stop();
      }
    });
  });
}
