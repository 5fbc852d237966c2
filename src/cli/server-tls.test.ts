/**
 * Issue 19: `vigil server --tls-cert --tls-key` in a child process, with a self-signed certificate
 * made by openssl for 127.0.0.1, answering Kubernetes AdmissionReview v1 requests over TLS the way
 * kube-apiserver sends them (the certificate trusted through its caBundle, here `ca`); and the
 * flags' errors.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { scanResultOf } from '../../test/helpers/findings.ts';
import { recordScan } from '../findings/index.ts';
import { bootstrap } from '../server/bootstrap.ts';
import { openStore } from '../store/index.ts';
import { tlsFromOptions } from './server.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const D = `sha256:${'9'.repeat(64)}`;

function selfSigned(dir: string, cn: string): { cert: string; key: string } {
  const cert = join(dir, `${cn}.crt`);
  const key = join(dir, `${cn}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${cn}`, '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert, key };
}

function post(url: string, ca: string | undefined, body: unknown, client: { cert?: string; key?: string } = {}): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request(url, { method: 'POST', ca, ...client, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(data);
  });
}
function put(url: string, ca: string, key: string, body: string): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', ca, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/yaml', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A SQLite database in `dir`: an organization, and one scanned image with a critical fixable finding. */
async function seedDatabase(dir: string): Promise<{ db: string; b: NonNullable<Awaited<ReturnType<typeof bootstrap>>> }> {
  const db = `sqlite:${join(dir, 'v.db')}`;
  const store = await openStore(db);
  const b = (await bootstrap(store, { organizationName: 'tls' }))!;
  await recordScan(store, { accountId: b.delegatedAdmin.id, resource: { type: 'image', name: 'registry.test/app', digest: D, tags: ['1.0'] }, result: scanResultOf([{ ecosystem: 'npm', name: 'lodash', version: '4.17.0' }], [{ pkg: 0, id: 'GHSA-tls', vulnerability: 'CVE-2025-0100', severity: 'CRITICAL', score: 9.8, fixed: '4.17.21' }]), now: new Date() });
  await store.close();
  return { db, b };
}

/** `vigil server --no-engine` in a child process on a free port with these flags: its https address, and a stop that expects exit 0. */
async function startServer(dir: string, db: string, flags: string[]): Promise<{ address: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [join(root, 'bin', 'vigil.js'), '--home', dir, '--db', db, '-q', 'server', '--no-engine', '--listen', '127.0.0.1:0', ...flags], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const stop = async () => {
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
  };
  try {
    const address = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        const m = /listening on (https:\/\/\S+)/.exec(stdout);
        if (m && /^console: /m.test(stdout)) resolve(m[1]);
      });
      void exited.then((code) => reject(new Error(`server exited early (${code}): ${stderr}`)));
    });
    return { address, stop };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

/** A CA (basicConstraints CA:TRUE) and a client certificate it signs. */
function caAndClient(dir: string, name: string): { ca: string; caKey: string; cert: string; key: string } {
  const ca = join(dir, `${name}-ca.crt`);
  const caKey = join(dir, `${name}-ca.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name} CA`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign', '-keyout', caKey, '-out', ca], { stdio: 'ignore' });
  const key = join(dir, `${name}-client.key`);
  const csr = join(dir, `${name}-client.csr`);
  const cert = join(dir, `${name}-client.crt`);
  execFileSync('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=kube-apiserver', '-keyout', key, '-out', csr], { stdio: 'ignore' });
  execFileSync('openssl', ['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-days', '2', '-out', cert], { stdio: 'ignore' });
  return { ca, caKey, cert, key };
}

const podReview = (uid: string, image: string) => ({
  apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
  request: { uid, kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, namespace: 'default', operation: 'CREATE', userInfo: { username: 'admin' }, object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image }] } }, oldObject: null, dryRun: false },
});

test('vigil server over TLS answers AdmissionReview v1; clients without the CA are refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-tls-'));
  try {
    const { cert, key } = selfSigned(dir, 'vigil-webhook');
    const other = selfSigned(dir, 'someone-else');
    const { db, b } = await seedDatabase(dir);

    const { address, stop } = await startServer(dir, db, ['--tls-cert', cert, '--tls-key', key]);
    try {
      assert.match(address, /^https:\/\/127\.0\.0\.1:\d+$/);
      const ca = readFileSync(cert, 'utf8');
      const p = await put(`${address}/v1/gate/policies/prod`, ca, b.key, 'rules:\n  - severity: CRITICAL\n    fixAvailable: true\n');
      assert.equal(p.status, 201, JSON.stringify(p.json));
      const hook = `${address}${p.json.admissionPath}/${p.json.token}`;
      const denied = await post(hook, ca, podReview('uid-1', 'registry.test/app:1.0'));
      assert.equal(denied.status, 200);
      assert.equal(denied.json.response.uid, 'uid-1');
      assert.equal(denied.json.response.allowed, false);
      assert.match(denied.json.response.status.message, /CVE-2025-0100 \(CRITICAL 9\.8, fix available\) in lodash 4\.17\.0/);
      const unknown = await post(hook, ca, podReview('uid-2', 'registry.test/app:2.0'));
      assert.equal(unknown.json.response.allowed, false);
      assert.match(unknown.json.response.status.message, /no image registry\.test\/app:2\.0 in the inventory/);
      // a client trusting another CA (or only the system's) does not talk to it
      await assert.rejects(post(hook, readFileSync(other.cert, 'utf8'), podReview('x', 'a')), /self[- ]signed|unable to verify|certificate/i);
      await assert.rejects(post(hook, undefined, podReview('x', 'a')), /self[- ]signed|unable to verify|certificate/i);
      // plain HTTP on the TLS port gets no API answer
      const plain = await fetch(address.replace('https:', 'http:') + '/healthz').then((r) => r.status, (e: Error) => e.message);
      assert.notEqual(plain, 200);
    } finally {
      await stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('mutual TLS (--tls-client-ca): admission answers only kube-apiserver\'s client certificate; other API calls need none', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-mtls-'));
  try {
    const { cert, key } = selfSigned(dir, 'vigil-webhook');
    const kube = caAndClient(dir, 'cluster');
    const stranger = caAndClient(dir, 'stranger');
    const { db, b } = await seedDatabase(dir);
    const { address, stop } = await startServer(dir, db, ['--tls-cert', cert, '--tls-key', key, '--tls-client-ca', kube.ca]);
    try {
      const ca = readFileSync(cert, 'utf8');
      // an API key alone, no client certificate: the API answers as before
      const p = await put(`${address}/v1/gate/policies/prod`, ca, b.key, 'rules:\n  - severity: CRITICAL\n');
      assert.equal(p.status, 201, JSON.stringify(p.json));
      const hook = `${address}${p.json.admissionPath}/${p.json.token}`;
      const kubeClient = { cert: readFileSync(kube.cert, 'utf8'), key: readFileSync(kube.key, 'utf8') };
      const ok = await post(hook, ca, podReview('uid-m1', 'registry.test/app:1.0'), kubeClient);
      assert.equal(ok.status, 200, JSON.stringify(ok.json));
      assert.equal(ok.json.response.uid, 'uid-m1');
      assert.equal(ok.json.response.allowed, false, 'the verdict, as without mTLS');
      // the right token without a certificate, or with one another CA issued: refused, saying why
      const none = await post(hook, ca, podReview('uid-m2', 'registry.test/app:1.0'));
      assert.equal(none.status, 401);
      assert.match(none.json.error.message, /admission webhooks on this server need a client certificate issued by --tls-client-ca: no client certificate was presented/);
      const other = await post(hook, ca, podReview('uid-m3', 'registry.test/app:1.0'), { cert: readFileSync(stranger.cert, 'utf8'), key: readFileSync(stranger.key, 'utf8') });
      assert.equal(other.status, 401);
      assert.match(other.json.error.message, /need a client certificate issued by --tls-client-ca: the certificate was not verified \(UNABLE_TO_(GET_ISSUER_CERT|VERIFY_LEAF_SIGNATURE)\)/);
      // a certificate alone is not enough: the token still decides
      const wrongToken = await post(`${address}${p.json.admissionPath}/not-the-token`, ca, podReview('uid-m4', 'registry.test/app:1.0'), kubeClient);
      assert.equal(wrongToken.status, 401);
    } finally {
      await stop();
    }
    // the flag's errors
    await assert.rejects(tlsFromOptions({ tlsClientCa: kube.ca }), (e: Error & { rule?: string }) => e.rule === 'tls-pair' && /--tls-client-ca needs --tls-cert and --tls-key/.test(e.message));
    writeFileSync(join(dir, 'junk.pem'), 'not pem');
    await assert.rejects(tlsFromOptions({ tlsCert: cert, tlsKey: key, tlsClientCa: join(dir, 'junk.pem') }), (e: Error & { rule?: string }) => e.rule === 'tls-client-ca' && /no PEM certificate in it/.test(e.message));
    await assert.rejects(tlsFromOptions({ tlsCert: cert, tlsKey: key, tlsClientCa: kube.cert }), /CN=kube-apiserver is not a CA certificate/);
    assert.ok((await tlsFromOptions({ tlsCert: cert, tlsKey: key, tlsClientCa: kube.ca }))?.clientCa);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--tls-cert/--tls-key: both or neither, files that exist, a matching PEM pair', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-tls-flags-'));
  try {
    const a = selfSigned(dir, 'a');
    const b = selfSigned(dir, 'b');
    assert.equal(await tlsFromOptions({}), undefined);
    await assert.rejects(tlsFromOptions({ tlsCert: a.cert }), (e: Error & { code?: string }) => e.code === 'VIGIL_CONFIG' && /--tls-key is missing/.test(e.message));
    await assert.rejects(tlsFromOptions({ tlsCert: join(dir, 'none.crt'), tlsKey: a.key }), (e: Error & { code?: string }) => e.code === 'VIGIL_NOT_FOUND' && /TLS certificate .*none\.crt: no such file/.test(e.message));
    await assert.rejects(tlsFromOptions({ tlsCert: a.cert, tlsKey: b.key }), (e: Error & { code?: string; rule?: string }) => e.code === 'VIGIL_CONFIG' && e.rule === 'tls-pem' && /not a usable PEM certificate and key/.test(e.message));
    writeFileSync(join(dir, 'junk.pem'), 'not pem');
    await assert.rejects(tlsFromOptions({ tlsCert: join(dir, 'junk.pem'), tlsKey: a.key }), /not a usable PEM/);
    const ok = await tlsFromOptions({ tlsCert: a.cert, tlsKey: a.key });
    assert.ok(ok && ok.cert.length > 0);
    // the command: a usage error, exit 2, one line
    const child = spawn(process.execPath, [join(root, 'bin', 'vigil.js'), '--db', `sqlite:${join(dir, 'v.db')}`, 'server', '--listen', '127.0.0.1:0', '--tls-cert', a.cert, '--tls-key', b.key], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(code, 2, stderr);
    assert.match(stderr, /^vigil: --tls-cert .* not a usable PEM certificate and key .*\[VIGIL_CONFIG\]\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
