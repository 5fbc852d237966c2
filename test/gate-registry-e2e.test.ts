/**
 * Issue 19, gating end to end with the engine: a real registry (docker-registry) notifies a running
 * `vigil server`, which scans the pushed bullseye-app image on its own; then the admission webhook,
 * `GET /v1/gate` and `vigil gate --server` judge `<registry>/app:1.0`, and `vigil gate` scanning the
 * same reference from the registry itself must give the same verdicts and the same violating
 * vulnerabilities. Policies look at package findings only: the server's enhanced scans also look for
 * secrets, which `vigil gate --scanners vuln,malware` does not.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { skopeoCopy, type RegistryProcess } from '../src/sources/registry/testutil.ts';
import { registryE2eUnavailable, startRegistryWithNotifications, startServer, TARGETS, VIGIL, vigilCli, VULNDATA, waitFor, type ServerProcess } from './helpers/server.ts';

const missing = await registryE2eUnavailable();
const POLICIES: Record<string, object> = {
  high: { rules: [{ name: 'high', severity: 'HIGH', types: ['package_vulnerability', 'malicious_package'] }] },
  fixable: { rules: [{ severity: 'MEDIUM', fixAvailable: true, types: ['package_vulnerability'] }], exemptions: { vulnerabilities: [{ id: 'CVE-2019-14232', reason: 'accepted' }] } },
  kev: { unknownImages: 'allow', rules: [{ kev: true }, { severity: 'CRITICAL', types: ['package_vulnerability'] }] },
};

describe('gating against a registry the server scans', { skip: missing, concurrency: false }, () => {
  let home = '';
  let regDir = '';
  let db = '';
  let server: ServerProcess;
  let registry: (RegistryProcess & { targetId: string }) | undefined;
  let accountId = '';
  const tokens: Record<string, string> = {};
  const run = (args: string[]) => promisify(execFile)(process.execPath, [VIGIL, '--home', home, '--db', db, ...args], { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, VIGIL_LOG_LEVEL: 'error', VIGIL_TOKEN: '' } })
    .then((r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }), (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }));

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'vigil-gate-e2e-'));
    regDir = await mkdtemp(join(tmpdir(), 'vigil-gate-e2e-reg-'));
    db = `sqlite:${join(home, 'vigil.db')}`;
    await vigilCli(home, db, ['db', 'import', '-q', join(VULNDATA, 'PyPI'), join(VULNDATA, 'native', 'nodejs-security-wg'), join(VULNDATA, 'malicious', 'npm'), join(VULNDATA, 'debian'), join(VULNDATA, 'kev'), join(VULNDATA, 'cve')]);
    server = await startServer({ home, db, args: ['--tick', '1', '--allow-network', '127.0.0.0/8'] });
    assert.ok(server.key, server.output());
    accountId = (await server.api('GET', '/v1/whoami')).body.account.id;
    for (const [name, p] of Object.entries(POLICIES)) {
      const r = await server.api('PUT', `/v1/gate/policies/${name}`, p);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      tokens[name] = r.body.token;
      await writeFile(join(home, `${name}.json`), JSON.stringify(p));
    }
  });
  after(async () => {
    await registry?.stop();
    const code = await server?.stop();
    if (code !== 0) console.log(server?.output());
    await rm(home, { recursive: true, force: true });
    await rm(regDir, { recursive: true, force: true });
  });

  test('before the push the image is unknown; after the scan, every way of asking agrees', async () => {
    registry = await startRegistryWithNotifications(regDir, server);
    const image = `${registry.host}/app:1.0`;
    const before = await server.api('GET', `/v1/gate?image=${encodeURIComponent(image)}&policy=high`);
    assert.equal(before.body.allowed, false);
    assert.match(before.body.unknownReason, /in the inventory/);
    await skopeoCopy(`oci:${join(TARGETS, 'oci')}:bullseye-app`, `docker://${image}`);
    await waitFor('the pushed image scanned', async () => {
      const r = await server.api('GET', `/v1/gate?image=${encodeURIComponent(image)}&policy=high`);
      return r.body.resolved ? r.body : null;
    });
    const violated = (reasons: { vulnerabilityId: string }[]) => [...new Set(reasons.map((r) => r.vulnerabilityId))].sort();
    let denials = 0;
    for (const name of Object.keys(POLICIES)) {
      const local = await run(['gate', image, '--policy', join(home, `${name}.json`), '-f', 'json']);
      assert.ok(local.code === 0 || local.code === 5, `${name}: ${local.stderr}`);
      const l = JSON.parse(local.stdout);
      assert.equal(l.source, 'scan');
      if (!l.allowed) denials++;
      const review = {
        apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
        request: { uid: `e2e-${name}`, kind: { group: 'apps', version: 'v1', kind: 'Deployment' }, namespace: 'shop', operation: 'CREATE', object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'app', namespace: 'shop' }, spec: { template: { metadata: { labels: { app: 'app' } }, spec: { containers: [{ name: 'app', image }] } } } } },
      };
      const hook = await fetch(`${server.url}/v1/admission/${accountId}/${name}/${tokens[name]}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(review) });
      const admission = (await hook.json()).response;
      assert.equal(admission.allowed, l.allowed, `${name}: webhook ${admission.allowed}, vigil gate ${l.allowed}`);
      const api = (await server.api('GET', `/v1/gate?image=${encodeURIComponent(image)}&policy=${name}`)).body;
      assert.equal(api.resolved.digest, l.digest, 'the tag resolves to the digest pulled');
      assert.deepEqual(violated(api.reasons), violated(l.reasons), `${name}: violating vulnerabilities`);
      const remote = await run(['gate', image, '--server', server.url, '--token', server.key!, '--policy', name, '-f', 'json']);
      assert.equal(remote.code, local.code, remote.stderr);
      assert.deepEqual(violated(JSON.parse(remote.stdout).reasons), violated(l.reasons));
    }
    assert.ok(denials >= 1 && denials < Object.keys(POLICIES).length, `the policies should not all agree on one answer (denials ${denials})`);
  });
});
