/**
 * Issue 19, gating in the server on SQLite and PostgreSQL: gate policies stored per account (YAML or
 * JSON, field errors), the registry gate (`GET /v1/gate`: tags and digests resolved to the image
 * resource the server knows, unknown images per policy), and the Kubernetes admission webhook
 * (AdmissionReview v1 for Pods and pod templates with clean, vulnerable and unknown images, in
 * enforce and audit modes, namespace and label exemptions, the token, fail-open/closed when the
 * store fails and when it is too slow).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { scanResultOf } from '../../test/helpers/findings.ts';
import { dialects, type TestStore } from '../../test/helpers/stores.ts';
import { recordScan, registerResource } from '../findings/index.ts';
import { silentLogger } from '../log.ts';
import { buildServer, type VigilServer } from './app.ts';
import { bootstrap } from './bootstrap.ts';
import * as repo from './tenancy/repo.ts';

const REG = '127.0.0.1:5000';
const D_CLEAN = `sha256:${'c'.repeat(64)}`;
const D_VULN = `sha256:${'d'.repeat(64)}`;
const D_OLD = `sha256:${'e'.repeat(64)}`;
const D_PENDING = `sha256:${'f'.repeat(64)}`;

const ENFORCE = `# block critical findings with a fix, and anything known exploited
mode: enforce
failurePolicy: closed
unknownImages: deny
rules:
  - name: critical-fixable
    severity: CRITICAL
    fixAvailable: true
  - name: known-exploited
    kev: true
exemptions:
  workloads:
    - namespaces: [kube-system]
    - selector: {matchLabels: {vigil.dev/gate: skip}}
      reason: labelled skip
`;

/** An AdmissionReview v1 request as kube-apiserver sends it for a Pod (or another kind) CREATE. */
function review(uid: string, images: string[], opts: { kind?: string; namespace?: string; labels?: Record<string, string>; operation?: string } = {}) {
  const kind = opts.kind ?? 'Pod';
  const podSpec = { containers: images.map((image, i) => ({ name: `c${i}`, image })) };
  const meta = { name: 'w', namespace: opts.namespace ?? 'apps', labels: opts.labels ?? { app: 'w' } };
  const object = kind === 'Pod' ? { apiVersion: 'v1', kind, metadata: meta, spec: podSpec }
    : kind === 'CronJob' ? { apiVersion: 'batch/v1', kind, metadata: meta, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { metadata: { labels: meta.labels }, spec: podSpec } } } } }
      : { apiVersion: 'apps/v1', kind, metadata: { ...meta, labels: {} }, spec: { selector: { matchLabels: meta.labels }, template: { metadata: { labels: meta.labels }, spec: podSpec } } };
  const group = kind === 'Pod' ? '' : kind === 'CronJob' ? 'batch' : 'apps';
  return {
    apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
    request: {
      uid, kind: { group, version: 'v1', kind }, resource: { group, version: 'v1', resource: `${kind.toLowerCase()}s` },
      requestKind: { group, version: 'v1', kind }, requestResource: { group, version: 'v1', resource: `${kind.toLowerCase()}s` },
      name: 'w', namespace: meta.namespace, operation: opts.operation ?? 'CREATE',
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller', uid: 'u', groups: ['system:serviceaccounts'] },
      object: opts.operation === 'DELETE' ? null : object, oldObject: null, dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  };
}

for (const [dialect, make] of dialects) {
  describe(`gating in the server (${dialect})`, () => {
    let ts: TestStore;
    let app: VigilServer;
    let admin: string; // the delegated admin's key
    let accountId: string;
    let member: { id: string; key: string };
    let token: string;
    let nowMs = Date.parse('2026-06-01T00:00:00Z');
    const call = (method: string, url: string, key: string | undefined, payload?: unknown, headers: Record<string, string> = {}) =>
      app.inject({ method: method as 'GET', url, headers: { ...headers, ...(key ? { authorization: `Bearer ${key}` } : {}) }, ...(payload === undefined ? {} : { payload: payload as string }) });
    const admit = (name: string, tok: string, body: unknown, acct = accountId) => app.inject({ method: 'POST', url: `/v1/admission/${acct}/${name}/${tok}`, payload: body as object });

    before(async () => {
      ts = await make();
      const b = (await bootstrap(ts.store, { organizationName: 'gate org' }))!;
      admin = b.key;
      accountId = b.delegatedAdmin.id;
      const m = await repo.createAccount(ts.store.db, b.organization.id, 'member');
      member = { id: m.id, key: (await repo.createApiKey(ts.store.db, m.id, 'm', 'admin')).key };
      const now = new Date(nowMs - 40 * 86_400_000);
      const rec = (digest: string, tags: string[], vulns: Parameters<typeof scanResultOf>[1], at = now) =>
        recordScan(ts.store, { accountId, resource: { type: 'image', name: `${REG}/app`, ref: `${REG}/app@${digest}`, digest, tags }, result: scanResultOf([{ ecosystem: 'Debian:11', name: 'openssl', version: '1.1.1n-0+deb11u3' }, { ecosystem: 'npm', name: 'lodash', version: '4.17.0' }], vulns), now: at });
      await rec(D_CLEAN, ['clean'], [{ pkg: 1, id: 'GHSA-low', severity: 'LOW', score: 3.1 }]);
      await rec(D_VULN, ['vuln', 'latest'], [
        { pkg: 0, id: 'DSA-5000-1', vulnerability: 'CVE-2024-0001', severity: 'CRITICAL', score: 9.8, fixed: '1.1.1w-0+deb11u1' },
        { pkg: 1, id: 'GHSA-kev', vulnerability: 'CVE-2024-0002', severity: 'MEDIUM', score: 5.0, kev: true },
        { pkg: 1, id: 'GHSA-nofix', vulnerability: 'CVE-2024-0003', severity: 'CRITICAL', score: 9.1 },
      ]);
      // an older digest whose tag moved away (untagged, findings closed): the server cannot vouch for it
      await rec(D_OLD, [], [{ pkg: 0, id: 'DSA-5000-1', vulnerability: 'CVE-2024-0001', severity: 'CRITICAL', score: 9.8, fixed: '1.1.1w-0+deb11u1' }]);
      await ts.store.db.updateTable('resources').set({ coverage_status: 'INACTIVE', coverage_reason: 'IMAGE_UNTAGGED' }).where('digest', '=', D_OLD).execute();
      // a digest discovered but not scanned yet
      await registerResource(ts.store, accountId, { type: 'image', name: `${REG}/app`, ref: `${REG}/app@${D_PENDING}`, digest: D_PENDING, tags: ['next'] }, now);
      app = await buildServer({ store: ts.store, log: silentLogger(), config: { defaultMetrics: false, now: () => nowMs, gateTimeoutMs: 1500 } });
      const put = await call('PUT', '/v1/gate/policies/default', admin, ENFORCE, { 'content-type': 'application/yaml' });
      assert.equal(put.statusCode, 201, put.body);
      token = put.json().token;
      assert.match(token, /^vgt_[A-Za-z0-9_-]{43}$/);
    });
    after(async () => {
      await app?.close();
      await ts?.cleanup();
    });

    test('policies: YAML stored as written, shown validated; JSON too; the token once; field errors; tenancy', async () => {
      const got = await call('GET', '/v1/gate/policies/default', admin);
      assert.equal(got.statusCode, 200);
      assert.equal(got.json().source, ENFORCE);
      assert.equal(got.json().format, 'yaml');
      assert.equal(got.json().policy.rules[0].severity, 'CRITICAL');
      assert.equal(got.json().token, undefined, 'the token is shown once');
      assert.equal(got.json().admissionPath, `/v1/admission/${accountId}/default`);
      const json = await call('PUT', '/v1/gate/policies/audit', admin, JSON.stringify({ mode: 'audit', unknownImages: 'allow', rules: [{ severity: 'HIGH' }] }), { 'content-type': 'application/json' });
      assert.equal(json.statusCode, 201, json.body);
      assert.equal(json.json().format, 'json');
      const again = await call('PUT', '/v1/gate/policies/audit', admin, JSON.stringify({ mode: 'audit', unknownImages: 'allow', rules: [{ severity: 'HIGH' }] }), { 'content-type': 'application/json' });
      assert.equal(again.statusCode, 200);
      assert.equal(again.json().token, undefined, 'a replaced policy keeps its token');
      const bad = await call('PUT', '/v1/gate/policies/bad', admin, 'rules:\n  - severity: SEVERE\n', { 'content-type': 'text/yaml' });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error.code, 'VIGIL_INVALID_INPUT');
      assert.match(bad.json().error.message, /gate policy "bad": rules\.0\.severity: must be one of CRITICAL/);
      assert.equal(bad.json().error.details.rule, 'gate-policy');
      const badName = await call('PUT', '/v1/gate/policies/Bad%20Name', admin, ENFORCE, { 'content-type': 'application/yaml' });
      assert.equal(badName.statusCode, 400);
      assert.match(badName.json().error.message, /gate policy name "Bad Name"/);
      // a member sees none of the delegated admin's policies
      assert.equal((await call('GET', '/v1/gate/policies/default', member.key)).statusCode, 404);
      assert.deepEqual((await call('GET', '/v1/gate/policies', member.key)).json().items, []);
      assert.equal((await call('GET', `/v1/gate?image=${REG}/app:vuln`, member.key)).statusCode, 404, 'no policy of its own');
      const list = (await call('GET', '/v1/gate/policies', admin)).json().items.map((p: { name: string }) => p.name);
      assert.deepEqual(list, ['audit', 'default']);
      assert.equal((await call('DELETE', '/v1/gate/policies/audit', admin)).statusCode, 204);
      assert.equal((await call('DELETE', '/v1/gate/policies/audit', admin)).statusCode, 404);
    });

    test('the registry gate: tag and digest resolve to the known image; clean, vulnerable, unknown, pending, untagged', async () => {
      const gate = async (image: string, extra = '') => call('GET', `/v1/gate?image=${encodeURIComponent(image)}${extra}`, admin);
      const clean = await gate(`${REG}/app:clean`);
      assert.equal(clean.statusCode, 200, clean.body);
      assert.equal(clean.json().allowed, true);
      assert.equal(clean.json().resolved.digest, D_CLEAN);
      assert.equal(clean.json().evaluated, 1);
      const vuln = await gate(`${REG}/app:vuln`);
      assert.equal(vuln.json().allowed, false);
      assert.equal(vuln.json().resolved.digest, D_VULN);
      assert.deepEqual(vuln.json().reasons.map((r: { vulnerabilityId: string; rule: string }) => `${r.vulnerabilityId}:${r.rule}`), ['CVE-2024-0001:critical-fixable', 'CVE-2024-0002:known-exploited']);
      assert.ok(vuln.json().reasons[0].findingId);
      const byDigest = await gate(`${REG}/app@${D_VULN}`);
      assert.deepEqual(byDigest.json().reasons, vuln.json().reasons);
      assert.equal((await gate(`${REG}/app`)).json().resolved.digest, D_VULN, 'no tag: latest');
      for (const [image, why] of [[`${REG}/app:nope`, /no image 127\.0\.0\.1:5000\/app:nope in the inventory/], [`${REG}/other@${D_VULN}`, /no image/], [`${REG}/app:next`, /not covered \(PENDING_INITIAL_SCAN\)/], [`${REG}/app@${D_OLD}`, /not covered \(IMAGE_UNTAGGED\)/]] as const) {
        const r = await gate(image);
        assert.equal(r.statusCode, 200);
        assert.equal(r.json().allowed, false, image);
        assert.equal(r.json().resolved, null);
        assert.match(r.json().unknownReason, why);
        assert.equal(r.json().reasons[0].rule, 'unknownImages');
      }
      const badRef = await gate('UPPER/Case:x');
      assert.equal(badRef.statusCode, 400);
      assert.equal(badRef.json().error.details.rule, 'image-reference');
      assert.equal((await gate(`${REG}/app:vuln`, '&policy=nope')).statusCode, 404);
      // a suppression rule makes the finding exempted, not a violation
      const rule = await call('POST', '/v1/suppression-rules', admin, { name: 'accepted', reason: 'mitigated', criteria: { vulnerabilityIds: ['CVE-2024-0002'] } });
      assert.equal(rule.statusCode, 201, rule.body);
      const after = (await gate(`${REG}/app:vuln`)).json();
      assert.deepEqual(after.reasons.map((r: { vulnerabilityId: string }) => r.vulnerabilityId), ['CVE-2024-0001']);
      assert.deepEqual(after.exempted.map((e: { kind: string; vulnerabilityId: string }) => `${e.kind}:${e.vulnerabilityId}`), ['suppressed:CVE-2024-0002']);
      assert.equal((await call('DELETE', `/v1/suppression-rules/${rule.json().rule.id}`, admin)).statusCode, 200);
    });

    test('admission: pods with clean, vulnerable and unknown images; uid echoed; enforce', async () => {
      const ok = await admit('default', token, review('uid-clean', [`${REG}/app:clean`]));
      assert.equal(ok.statusCode, 200, ok.body);
      assert.deepEqual(ok.json(), { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'uid-clean', allowed: true } });
      const no = (await admit('default', token, review('uid-vuln', [`${REG}/app:clean`, `${REG}/app:vuln`]))).json();
      assert.equal(no.response.uid, 'uid-vuln');
      assert.equal(no.response.allowed, false);
      assert.equal(no.response.status.code, 403);
      assert.equal(no.response.status.reason, 'Forbidden');
      assert.match(no.response.status.message, /^vigil gate policy "default" denied: 127\.0\.0\.1:5000\/app:vuln: CVE-2024-0001 \(CRITICAL 9\.8, fix available\) in openssl 1\.1\.1n-0\+deb11u3 violates critical-fixable: severity ≥ CRITICAL, fix available; 127\.0\.0\.1:5000\/app:vuln: CVE-2024-0002 .* violates known-exploited/);
      const unknown = (await admit('default', token, review('uid-unknown', ['docker.io/library/nginx:1.25']))).json();
      assert.equal(unknown.response.allowed, false);
      assert.match(unknown.response.status.message, /nginx:1\.25: no image docker\.io\/library\/nginx:1\.25 in the inventory \(unknownImages: deny\)/);
      // short names are Docker Hub's
      assert.match((await admit('default', token, review('u', ['nginx']))).json().response.status.message, /no image docker\.io\/library\/nginx:latest/);
    });

    test('admission: pod templates (Deployment, CronJob), deletions, and exempt namespaces and labels', async () => {
      for (const kind of ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob']) {
        const r = (await admit('default', token, review(`uid-${kind}`, [`${REG}/app@${D_VULN}`], { kind }))).json();
        assert.equal(r.response.allowed, false, kind);
      }
      assert.equal((await admit('default', token, review('del', [], { operation: 'DELETE' }))).json().response.allowed, true);
      const cm = review('cm', []);
      cm.request.kind = { group: '', version: 'v1', kind: 'ConfigMap' };
      assert.equal((await admit('default', token, cm)).json().response.allowed, true, 'kinds without pods are not judged');
      assert.equal((await admit('default', token, review('ks', [`${REG}/app:vuln`], { namespace: 'kube-system' }))).json().response.allowed, true);
      assert.equal((await admit('default', token, review('lbl', [`${REG}/app:vuln`], { labels: { 'vigil.dev/gate': 'skip' } }))).json().response.allowed, true);
      assert.equal((await admit('default', token, review('lbl2', [`${REG}/app:vuln`], { kind: 'Deployment', labels: { 'vigil.dev/gate': 'skip' } }))).json().response.allowed, true, 'the template labels count');
    });

    test('admission: workload objects as kubectl builds them (testdata/admission)', async () => {
      const dir = join(import.meta.dirname, 'testdata', 'admission');
      const expected: Record<string, boolean> = { 'deployment-vuln.json': false, 'job-clean.json': true, 'cronjob-unknown.json': false, 'deployment-two-images.json': false };
      for (const [file, allowed] of Object.entries(expected)) {
        const object = JSON.parse(readFileSync(join(dir, file), 'utf8'));
        const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
        const resource = { group, version, resource: `${object.kind.toLowerCase()}s` };
        const body = {
          apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
          request: {
            uid: `705ab4f5-6393-11e8-b7cc-${file.length.toString().padStart(12, '0')}`, kind: { group, version, kind: object.kind }, resource,
            requestKind: { group, version, kind: object.kind }, requestResource: resource, name: object.metadata.name, namespace: object.metadata.namespace,
            operation: 'CREATE', userInfo: { username: 'admin', uid: '014fbff9a07c', groups: ['system:authenticated'] },
            object, oldObject: null, dryRun: false, options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
          },
        };
        const r = await admit('default', token, body);
        assert.equal(r.statusCode, 200, `${file}: ${r.body}`);
        assert.equal(r.json().response.uid, body.request.uid);
        assert.equal(r.json().response.allowed, allowed, `${file}: ${r.body}`);
      }
    });

    test('admission: audit mode allows and warns', async () => {
      const put = await call('PUT', '/v1/gate/policies/watch', admin, ENFORCE.replace('mode: enforce', 'mode: audit'), { 'content-type': 'application/yaml' });
      const r = (await admit('watch', put.json().token, review('uid-audit', [`${REG}/app:vuln`, 'ghcr.io/unknown/x:1']))).json();
      assert.equal(r.response.allowed, true);
      assert.equal(r.response.status, undefined);
      assert.equal(r.response.warnings.length, 3);
      assert.match(r.response.warnings[0], /^vigil watch: 127\.0\.0\.1:5000\/app:vuln: CVE-2024-0001/);
      assert.ok(r.response.warnings.every((w: string) => w.length <= 120));
    });

    test('admission: a wrong token, an unknown policy or account, an API key instead → 401; a bad review → 400', async () => {
      for (const [name, tok, acct] of [['default', 'vgt_wrong', accountId], ['nope', token, accountId], ['default', token, member.id]]) {
        const r = await admit(name, tok, review('x', [`${REG}/app:clean`]), acct);
        assert.equal(r.statusCode, 401, r.body);
        assert.equal(r.json().error.code, 'VIGIL_UNAUTHORIZED');
      }
      const withKey = await app.inject({ method: 'POST', url: `/v1/admission/${accountId}/default/x`, headers: { authorization: `Bearer ${admin}` }, payload: review('x', []) });
      assert.equal(withKey.statusCode, 401);
      const bad = await admit('default', token, { apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: {} });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json().error.message, /apiVersion/);
      // the token as Authorization: Bearer (kube-apiserver's kubeconfig for webhooks), out of the URL
      const viaHeader = await app.inject({ method: 'POST', url: `/v1/admission/${accountId}/default`, headers: { authorization: `Bearer ${token}` }, payload: review('hdr', [`${REG}/app:vuln`]) });
      assert.equal(viaHeader.statusCode, 200, viaHeader.body);
      assert.equal(viaHeader.json().response.allowed, false);
      assert.equal((await app.inject({ method: 'POST', url: `/v1/admission/${accountId}/default`, payload: review('hdr', []) })).statusCode, 401);
      assert.equal((await app.inject({ method: 'POST', url: `/v1/admission/${accountId}/default`, headers: { authorization: 'Bearer vgt_wrong' }, payload: review('hdr', []) })).statusCode, 401);
      // rotating the token: the old one stops working
      const rot = await call('PUT', '/v1/gate/policies/rot?rotateToken=false', admin, ENFORCE, { 'content-type': 'application/yaml' });
      const old = rot.json().token as string;
      const fresh = (await call('PUT', '/v1/gate/policies/rot?rotateToken=true', admin, ENFORCE, { 'content-type': 'application/yaml' })).json().token as string;
      assert.notEqual(fresh, old);
      assert.equal((await admit('rot', old, review('r', []))).statusCode, 401);
      assert.equal((await admit('rot', fresh, review('r', []))).statusCode, 200);
    });

    test('age: a finding counts only once open long enough', async () => {
      const put = await call('PUT', '/v1/gate/policies/grace', admin, 'rules:\n  - severity: CRITICAL\n    age: 60\n', { 'content-type': 'application/yaml' });
      assert.equal(put.statusCode, 201);
      assert.equal((await call('GET', `/v1/gate?image=${REG}/app:vuln&policy=grace`, admin)).json().allowed, true, 'first observed 40 days ago');
      nowMs += 30 * 86_400_000;
      try {
        assert.equal((await call('GET', `/v1/gate?image=${REG}/app:vuln&policy=grace`, admin)).json().allowed, false, '70 days');
      } finally {
        nowMs -= 30 * 86_400_000;
      }
    });

    test('fail-open/closed: the findings table gone (a real store error) and a lock held past the timeout', async () => {
      const open = (await call('PUT', '/v1/gate/policies/open', admin, ENFORCE.replace('failurePolicy: closed', 'failurePolicy: open'), { 'content-type': 'application/yaml' })).json().token as string;
      // load both policies once, as a cluster's first admissions would
      assert.equal((await admit('open', open, review('w', [`${REG}/app:clean`]))).json().response.allowed, true);
      assert.equal((await admit('default', token, review('w', [`${REG}/app:clean`]))).json().response.allowed, true);
      await ts.store.db.schema.alterTable('findings').renameTo('findings_away').execute();
      try {
        const o = (await admit('open', open, review('f-open', [`${REG}/app:vuln`]))).json();
        assert.equal(o.response.allowed, true);
        assert.match(o.response.warnings[0], /no verdict .*failurePolicy open: allowed/);
        const c = (await admit('default', token, review('f-closed', [`${REG}/app:clean`]))).json();
        assert.equal(c.response.allowed, false);
        assert.match(c.response.status.message, /failurePolicy closed: denied/);
        const g = await call('GET', `/v1/gate?image=${REG}/app:clean`, admin);
        assert.equal(g.statusCode, 200);
        assert.equal(g.json().allowed, false);
        assert.equal(g.json().reasons[0].rule, 'failurePolicy');
      } finally {
        await ts.store.db.schema.alterTable('findings_away').renameTo('findings').execute();
      }
      if (dialect === 'postgres') {
        // another session holds an exclusive lock on the policies and the findings: reads wait past the timeout
        const locker = new pg.Client({ connectionString: ts.url });
        await locker.connect();
        try {
          await locker.query('begin');
          await locker.query('lock table findings in access exclusive mode');
          const t0 = Date.now();
          const o = (await admit('open', open, review('t-open', [`${REG}/app:vuln`]))).json();
          assert.equal(o.response.allowed, true);
          assert.match(o.response.warnings[0], /took longer than 1500 ms/);
          const c = (await admit('default', token, review('t-closed', [`${REG}/app:clean`]))).json();
          assert.equal(c.response.allowed, false);
          assert.match(c.response.status.message, /took longer than 1500 ms.*failurePolicy closed: denied/);
          assert.ok(Date.now() - t0 < 60_000);
          await locker.query('lock table gate_policies in access exclusive mode');
          const p = (await admit('open', open, review('t-policy', [`${REG}/app:vuln`]))).json();
          assert.equal(p.response.allowed, true, 'the policy itself unreadable: the last one loaded decides');
          const unknownUrl = await admit('never-loaded', 'vgt_x', review('t-x', []));
          assert.equal(unknownUrl.statusCode, 500, 'nothing to decide with: an error, and the cluster\'s own failurePolicy applies');
        } finally {
          await locker.query('rollback');
          await locker.end();
        }
        assert.equal((await admit('default', token, review('after', [`${REG}/app:clean`]))).json().response.allowed, true);
      }
    });
  });
}

test('the request log shows an admission URL without its token', async () => {
  const { default: pino } = await import('pino');
  const { Writable } = await import('node:stream');
  const { sqliteTestStore } = await import('../../test/helpers/stores.ts');
  const lines: string[] = [];
  const log = pino({ level: 'info' }, new Writable({ write(c, _e, cb) { lines.push(String(c)); cb(); } }));
  const ts = await sqliteTestStore();
  try {
    const b = (await bootstrap(ts.store, { organizationName: 'log' }))!;
    const app = await buildServer({ store: ts.store, log, config: { defaultMetrics: false } });
    try {
      const token = (await app.inject({ method: 'PUT', url: '/v1/gate/policies/p', headers: { authorization: `Bearer ${b.key}`, 'content-type': 'application/yaml' }, payload: 'rules: [{kev: true}]' })).json().token as string;
      for (const t of [token, `${token}x`]) {
        const r = await app.inject({ method: 'POST', url: `/v1/admission/${b.delegatedAdmin.id}/p/${t}`, payload: review('u', ['nginx']) });
        assert.ok(r.statusCode === 200 || r.statusCode === 401);
      }
      assert.ok(lines.some((l) => l.includes(`/v1/admission/${b.delegatedAdmin.id}/p/<token>`)), 'the request is logged');
      assert.ok(!lines.some((l) => l.includes(token)), 'the token is not');
    } finally {
      await app.close();
    }
  } finally {
    await ts.cleanup();
  }
});
