/**
 * The engine's other targets end to end, on SQLite and PostgreSQL, with `vigil server` as a child
 * process: an SSH host (a real sshd on 127.0.0.1), an agent (`vigil agent --once` over a debootstrap
 * root), a git repository (first poll, then a GitHub-signed push webhook), a function uploaded
 * through the API with a layer, and a registered root filesystem.
 *
 * The Debian advisories of ../shared/vulndata (2023) predate the packages of this machine and of
 * the debootstrap roots, so the hosts get their findings from one extra OSV record for Debian:12
 * `bash` imported here; everything else is real data.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { sshdUnavailable, startSshd, type TestSshd } from '../src/sources/ssh/testutil.ts';
import type { Store } from '../src/store/index.ts';
import { dialects, type TestStore } from './helpers/stores.ts';
import { ROOT, startServer, TARGETS, VIGIL, vigilCli, VULNDATA, waitFor, type ServerProcess } from './helpers/server.ts';
import { makeZip } from './helpers/zip.ts';
import { HOW, needsAll } from './helpers/prereq.ts';
import { tokenGenerator } from '../src/detectors/secrets/testutil.ts';

const run = promisify(execFile);

const git = (cwd: string, ...args: string[]) => run('git', ['-c', 'user.email=t@example.invalid', '-c', 'user.name=t', ...args], { cwd });

const BASH_ADVISORY = {
  schema_version: '1.6.0', id: 'VIGIL-E2E-DEB-0001', modified: '2026-11-20T00:00:00Z',
  summary: 'a test advisory for Debian 12 bash, so that hosts have a finding to show',
  affected: [{ package: { ecosystem: 'Debian:12', name: 'bash' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '99.0-1' }] }] }],
};

async function resourceOf(store: Store, targetId: string) {
  return store.db.selectFrom('resources').selectAll().where('target_id', '=', targetId).executeTakeFirst();
}
async function findingsOf(store: Store, resourceId: string) {
  return store.db.selectFrom('findings').select(['advisory_id', 'package_name', 'status']).where('resource_id', '=', resourceId).execute();
}
async function packagesOf(store: Store, resourceId: string): Promise<number> {
  const r = await store.db.selectFrom('resource_packages').select((eb) => eb.fn.countAll<number>().as('n')).where('resource_id', '=', resourceId).executeTakeFirstOrThrow();
  return Number(r.n);
}

const missing = needsAll([
  ['targets: rootfs-bookworm', existsSync(join(TARGETS, 'rootfs-bookworm', 'var', 'lib', 'dpkg', 'status')), HOW.targets],
  ['../shared/vulndata', existsSync(VULNDATA), HOW.vulndata],
]);
const sshdMissing = sshdUnavailable();

for (const [dialect, open] of dialects) {
  describe(`engine targets end to end (${dialect})`, { skip: missing, concurrency: false }, () => {
    let ts: TestStore;
    let home: string;
    let server: ServerProcess;

    before(async () => {
      ts = await open();
      home = await mkdtemp(join(tmpdir(), 'vigil-targets-'));
      const extra = join(home, 'extra');
      await mkdir(extra, { recursive: true });
      await writeFile(join(extra, `${BASH_ADVISORY.id}.json`), JSON.stringify(BASH_ADVISORY));
      await vigilCli(home, ts.url, ['db', 'import', join(VULNDATA, 'PyPI', 'all.zip'), extra]);
      // the operator lets tenants reach the test's sshd on loopback, its repositories and the built root filesystems
      server = await startServer({ home, db: ts.url, args: ['--tick', '1', '--allow-network', '127.0.0.0/8', '--allow-path', home, '--allow-path', TARGETS] });
    });
    after(async () => {
      const code = await server?.stop();
      if (code !== 0) console.log(server?.output());
      await ts?.cleanup();
      await rm(home, { recursive: true, force: true });
    });

    test('an SSH host is scanned agentlessly and gets its findings', { skip: sshdMissing }, async () => {
      let sshd: TestSshd | undefined;
      try {
        sshd = await startSshd();
        // issue 17: the host's secrets under its secretPaths (one planted, one documented example beside it)
        const secretDir = join(home, 'host-secrets', 'etc', 'app');
        await mkdir(secretDir, { recursive: true });
        const token = tokenGenerator(5).make('ghp');
        await writeFile(join(secretDir, 'deploy.env'), `GITHUB_TOKEN=${token}\nAWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n`);
        const created = await server.api('POST', '/v1/hosts', { config: { mode: 'ssh', address: sshd.host, port: sshd.port, username: sshd.username, privateKey: sshd.clientKey, hostKeyFingerprint: sshd.hostKeyFingerprint, secretPaths: [join(home, 'host-secrets')] } });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        assert.equal(created.body.config.privateKey, true, 'secrets are not returned');
        const r = await waitFor('the host scanned', async () => { const x = await resourceOf(ts.store, created.body.id); return x?.coverage_reason === 'SUCCESSFUL' ? x : null; });
        const { stdout } = await run('dpkg-query', ['-W']);
        // issue 20: deep inspection adds this machine's language packages (/usr/lib, /root, …): the dpkg ones are counted here
        const osRows = await ts.store.db.selectFrom('resource_packages').select((eb) => eb.fn.countAll<number>().as('n')).where('resource_id', '=', r.id).where('ecosystem', 'like', 'Debian%').executeTakeFirstOrThrow();
        assert.equal(Number(osRows.n), stdout.trim().split('\n').length, 'every dpkg package of this machine');
        const fs = await findingsOf(ts.store, r.id);
        assert.ok(fs.some((f) => f.advisory_id === BASH_ADVISORY.id && f.status === 'ACTIVE'), JSON.stringify(fs));
        const secrets = fs.filter((f) => f.advisory_id.startsWith('secret/'));
        assert.deepEqual(secrets.map((f) => [f.advisory_id, f.package_name]), [['secret/github-pat-classic', join(home, 'host-secrets', 'etc', 'app', 'deploy.env').slice(1)]]);
        assert.ok(!JSON.stringify(await ts.store.db.selectFrom('findings').selectAll().execute()).includes(token.slice(8)), 'the token is not stored');
        const attrs = JSON.parse(r.attributes);
        assert.equal(attrs.collectedBy, 'ssh');
        assert.ok(attrs.listening.some((s: { port: number }) => s.port === sshd!.port), 'its listening sockets include sshd');
        // a wrong host key: UNREACHABLE, findings kept
        const bad = await server.api('POST', '/v1/hosts', { name: 'impostor', config: { mode: 'ssh', address: sshd.host, port: sshd.port, username: sshd.username, privateKey: sshd.clientKey, hostKeyFingerprint: 'SHA256:' + 'A'.repeat(43) } });
        assert.equal(bad.status, 201);
        const u = await waitFor('the impostor marked unreachable', async () => { const x = await resourceOf(ts.store, bad.body.id); return x?.coverage_reason === 'UNREACHABLE' ? x : null; });
        assert.equal(u.coverage_status, 'INACTIVE');
        // ... and the tenant sees why, on the host and on its resource (it used to reach only the server log);
        // the target's lastError is written just after the resource's coverage: wait for it
        const view = await waitFor('the impostor\'s lastError', async () => { const v = await server.api('GET', `/v1/hosts/${bad.body.id}`); return v.body.lastError ? v : null; });
        assert.match(view.body.lastError, /host key .* is not the expected/, JSON.stringify(view.body));
        assert.match(view.body.resources[0].lastError, /host key/);
        // a malformed private key: no retry can fix it, SCAN_FAILED at once with the reason
        const garbled = await server.api('POST', '/v1/hosts', { name: 'garbled-key', config: { mode: 'ssh', address: sshd.host, port: sshd.port, username: sshd.username, privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n-----END OPENSSH PRIVATE KEY-----\n', hostKeyFingerprint: sshd.hostKeyFingerprint } });
        assert.equal(garbled.status, 201, JSON.stringify(garbled.body));
        await waitFor('the malformed key recorded as SCAN_FAILED', async () => (await resourceOf(ts.store, garbled.body.id))?.coverage_reason === 'SCAN_FAILED');
        const gv = await server.api('GET', `/v1/hosts/${garbled.body.id}`);
        assert.match(gv.body.lastError, /private key/, JSON.stringify(gv.body));
        assert.equal((await server.api('GET', `/v1/resources/${gv.body.resources[0].id}`)).body.coverage.reason, 'SCAN_FAILED');
      } finally {
        await sshd?.stop();
      }
    });

    test('an agent reports a host inventory', async () => {
      const root = join(TARGETS, 'rootfs-bookworm');
      const { stdout } = await run(process.execPath, [VIGIL, 'agent', '--once', '--server', server.url, '--token', server.key!, '--root', root, '--hostname', 'bookworm-agent'], { env: { ...process.env, VIGIL_LOG_LEVEL: 'error' } });
      assert.match(stdout, /reported 88 packages/);
      const t = await ts.store.db.selectFrom('targets').selectAll().where('name', '=', 'bookworm-agent').executeTakeFirstOrThrow();
      const r = (await resourceOf(ts.store, t.id))!;
      assert.equal(r.coverage_status, 'ACTIVE');
      assert.equal(JSON.parse(t.config).mode, 'agent');
      assert.ok((await findingsOf(ts.store, r.id)).some((f) => f.advisory_id === BASH_ADVISORY.id));
    });

    test('a repository: first poll scans, a signed push webhook rescans the new commit', async () => {
      const repo = join(home, 'repo');
      await mkdir(repo, { recursive: true });
      await git(repo, 'init', '-q', '-b', 'main');
      await writeFile(join(repo, 'requirements.txt'), 'django==2.2.0\nrequests==2.19.0\n');
      await git(repo, 'add', '.');
      await git(repo, 'commit', '-qm', 'first');
      const created = await server.api('POST', '/v1/repositories', { config: { url: repo, branch: 'main', pollSeconds: 0 } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const secret = created.body.secrets.webhookSecret as string;
      const r = await waitFor('the first commit scanned', async () => { const x = await resourceOf(ts.store, created.body.id); return x?.coverage_reason === 'SUCCESSFUL' ? x : null; });
      const first = await findingsOf(ts.store, r.id);
      assert.ok(first.some((f) => f.package_name === 'django') && first.some((f) => f.package_name === 'requests'));
      await writeFile(join(repo, 'requirements.txt'), 'requests==2.19.0\n');
      await git(repo, 'commit', '-qam', 'drop django');
      const head = (await git(repo, 'rev-parse', 'HEAD')).stdout.trim();
      const payload = JSON.stringify({ ref: 'refs/heads/main', after: head, repository: { clone_url: repo } });
      const sig = `sha256=${createHmac('sha256', secret).update(payload).digest('hex')}`;
      const bad = await server.api('POST', `/v1/repositories/${created.body.id}/webhook`, undefined, { raw: payload, headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': 'sha256=' + '0'.repeat(64) } });
      assert.equal(bad.status, 401);
      const hook = await server.api('POST', `/v1/repositories/${created.body.id}/webhook`, undefined, { raw: payload, headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': sig } });
      assert.equal(hook.status, 200, JSON.stringify(hook.body));
      assert.deepEqual(hook.body, { provider: 'github', commit: head, queued: true });
      await waitFor('django findings closed', async () => {
        const fs = await findingsOf(ts.store, r.id);
        return fs.filter((f) => f.package_name === 'django').every((f) => f.status === 'CLOSED') && fs.some((f) => f.package_name === 'requests' && f.status === 'ACTIVE');
      });
      const now = await resourceOf(ts.store, created.body.id);
      assert.equal(now!.digest, head);
    });

    test('a function uploaded with a layer is scanned; a new version closes what it fixed', async () => {
      const created = await server.api('POST', '/v1/functions', { name: 'billing', config: { runtime: 'python3.9' } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const meta = (n: string, v: string) => `Metadata-Version: 2.1\nName: ${n}\nVersion: ${v}\n`;
      const layer = makeZip([{ name: 'python/requests-2.19.0.dist-info/METADATA', data: meta('requests', '2.19.0') }]);
      const up = await fetch(`${server.url}/v1/functions/layers`, { method: 'POST', headers: { authorization: `Bearer ${server.key}`, 'content-type': 'application/zip' }, body: new Uint8Array(layer) });
      assert.equal(up.status, 201);
      const { digest } = await up.json() as { digest: string };
      const upload = async (zip: Buffer) => {
        const res = await fetch(`${server.url}/v1/functions/${created.body.id}/versions?layers=${encodeURIComponent(digest)}`, { method: 'POST', headers: { authorization: `Bearer ${server.key}`, 'content-type': 'application/zip' }, body: new Uint8Array(zip) });
        assert.equal(res.status, 202);
        return res.json() as Promise<{ version: string; resourceId: string }>;
      };
      const v1 = await upload(makeZip([{ name: 'Django-2.2.0.dist-info/METADATA', data: meta('Django', '2.2.0') }, { name: 'handler.py', data: 'def handler(e, c): pass\n' }]));
      await waitFor('v1 scanned', async () => (await findingsOf(ts.store, v1.resourceId)).some((f) => f.package_name === 'django'));
      const fs1 = await findingsOf(ts.store, v1.resourceId);
      assert.ok(fs1.some((f) => f.package_name === 'requests'), 'the layer was scanned');
      const bogus = await fetch(`${server.url}/v1/functions/${created.body.id}/versions`, { method: 'POST', headers: { authorization: `Bearer ${server.key}`, 'content-type': 'application/zip' }, body: 'not a zip' });
      assert.equal(bogus.status, 400);
      const v2 = await upload(makeZip([{ name: 'handler.py', data: 'def handler(e, c): return 1\n' }]));
      assert.equal(v2.resourceId, v1.resourceId);
      assert.notEqual(v2.version, v1.version);
      await waitFor('v2 closes django', async () => {
        const fs = await findingsOf(ts.store, v1.resourceId);
        return fs.filter((f) => f.package_name === 'django').every((f) => f.status === 'CLOSED') && fs.some((f) => f.package_name === 'requests' && f.status === 'ACTIVE');
      });
    });

    test('a registered root filesystem is scanned', async () => {
      const created = await server.api('POST', '/v1/rootfs', { config: { path: join(TARGETS, 'rootfs-bookworm') } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const r = await waitFor('the rootfs scanned', async () => { const x = await resourceOf(ts.store, created.body.id); return x?.coverage_reason === 'SUCCESSFUL' ? x : null; });
      assert.equal(await packagesOf(ts.store, r.id), 88);
      const missingRoot = await server.api('POST', '/v1/rootfs', { config: { path: join(home, 'nonexistent', 'snapshot') } });
      assert.equal(missingRoot.status, 201, 'a snapshot not mounted yet, under --allow-path');
      const outside = await server.api('POST', '/v1/rootfs', { config: { path: '/' } });
      assert.equal(outside.status, 403, 'the server\'s own root is outside --allow-path');
      assert.match(outside.body.error.message, /not allowed/);
      const list = await server.api('GET', '/v1/rootfs');
      assert.equal(list.body.items.length, 2);
      const bad = await server.api('POST', '/v1/rootfs', { config: { path: 'relative/path' } });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error.message, /path/);
    });
  });
}
