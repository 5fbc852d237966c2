/**
 * Issue 19, `vigil gate` end to end on the real bullseye-app image (.cache/targets, REAL-TARGETS.md)
 * and the shared advisory data: exit codes (0 allowed, 5 denied, the usual codes for errors),
 * reasons in table and JSON, policy errors naming the field; and agreement — the same image and
 * policy give the same verdict from `vigil gate` (scanning here), from the admission webhook, from
 * `GET /v1/gate` and from `vigil gate --server` (the server's findings being that image's scan,
 * recorded through the store as a scan of a registry image is).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { recordScan } from '../src/findings/index.ts';
import { silentLogger } from '../src/log.ts';
import type { ScanResult } from '../src/model/index.ts';
import { buildServer, type VigilServer } from '../src/server/app.ts';
import { bootstrap } from '../src/server/bootstrap.ts';
import { openStore, type Store } from '../src/store/index.ts';
import { HOW, needsAll, ROOT, TARGETS, VULNDATA } from './helpers/prereq.ts';

const BIN = join(ROOT, 'bin', 'vigil.js');
const IMAGE = join(TARGETS, 'bullseye-app.docker.tar');
const skip = needsAll([
  ['targets: docker archives', existsSync(IMAGE), HOW.targets],
  ['../shared/vulndata', existsSync(VULNDATA), HOW.vulndata],
]);
const NAME = 'registry.test/bullseye-app';

const POLICIES: Record<string, string> = {
  high: 'rules:\n  - name: high-or-worse\n    severity: HIGH\n',
  'critical-or-kev': 'unknownImages: allow\nrules:\n  - severity: CRITICAL\n  - kev: true\n',
  'medium-fixable-exempt': 'rules:\n  - name: fixable\n    severity: MEDIUM\n    fixAvailable: true\nexemptions:\n  vulnerabilities:\n    - id: CVE-2019-14232\n      reason: not reachable in our deployment\n',
  'audit-high': 'mode: audit\nrules:\n  - severity: HIGH\n',
};

describe('vigil gate on a real image', { skip }, () => {
  let home = '';
  let db = '';
  function vigil(args: string[], env: NodeJS.ProcessEnv = {}) {
    const r = spawnSync(process.execPath, [BIN, '--home', home, '--db', db, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, VIGIL_DATABASE_URL: '', VIGIL_TOKEN: '', VIGIL_NOW: '2026-11-23T00:00:00.000Z', ...env } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }
  /** the async twin, for commands that talk to the server of this process */
  function vigilAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const c = spawn(process.execPath, [BIN, '--home', home, '--db', db, ...args], { env: { ...process.env, VIGIL_DATABASE_URL: '', VIGIL_TOKEN: '' } });
      let stdout = '';
      let stderr = '';
      c.stdout.on('data', (d) => { stdout += d; });
      c.stderr.on('data', (d) => { stderr += d; });
      c.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
  }
  const file = (name: string) => join(home, `${name}.yaml`);

  before(() => {
    home = mkdtempSync(join(tmpdir(), 'vigil-gate-cli-'));
    db = `sqlite:${join(home, 'vigil.db')}`;
    const r = vigil(['db', 'import', '-q', join(VULNDATA, 'PyPI'), join(VULNDATA, 'native', 'nodejs-security-wg'), join(VULNDATA, 'malicious', 'npm'), join(VULNDATA, 'debian'), join(VULNDATA, 'kev'), join(VULNDATA, 'cve')]);
    assert.equal(r.code, 0, r.stderr);
    for (const [name, text] of Object.entries(POLICIES)) writeFileSync(file(name), text);
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  test('exit codes and reasons: denied 5, allowed 0, audit 0 with its reasons; table and JSON', () => {
    const denied = vigil(['gate', IMAGE, '--policy', file('high'), '-f', 'json']);
    assert.equal(denied.code, 5, denied.stderr);
    const j = JSON.parse(denied.stdout);
    assert.equal(j.allowed, false);
    assert.equal(j.source, 'scan');
    assert.match(j.digest, /^sha256:[0-9a-f]{64}$/);
    assert.ok(j.reasons.length >= 1);
    for (const r of j.reasons) {
      assert.equal(r.rule, 'high-or-worse');
      assert.ok(['CRITICAL', 'HIGH'].includes(r.severity), r.severity);
      assert.match(r.message, /violates high-or-worse: severity ≥ HIGH/);
    }
    const table = vigil(['gate', IMAGE, '--policy', file('high')]);
    assert.equal(table.code, 5);
    assert.match(table.stdout, /^DENIED {2}.*bullseye-app\.docker\.tar \(sha256:[0-9a-f]{64}\)\npolicy .*high\.yaml \(enforce\), scanned here; \d+ findings looked at\n\nRULE +SEVERITY +VULNERABILITY +REASON\n/);
    const ok = vigil(['gate', IMAGE, '--policy', file('critical-or-kev')]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^ALLOWED {2}/);
    const audit = vigil(['gate', IMAGE, '--policy', file('audit-high'), '-f', 'json']);
    assert.equal(audit.code, 0);
    assert.equal(JSON.parse(audit.stdout).allowed, true);
    assert.equal(JSON.parse(audit.stdout).reasons.length, j.reasons.length);
    const quiet = vigil(['gate', IMAGE, '--policy', file('high'), '-q']);
    assert.equal(quiet.code, 5);
    assert.equal(quiet.stdout, '');
  });

  test('errors: a policy naming the bad field (1), a missing file (4), usage (2), an image that is not there (4)', () => {
    writeFileSync(file('bad'), 'rules:\n  - severity: high\n    fixAvailble: true\n');
    const bad = vigil(['gate', IMAGE, '--policy', file('bad')]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^vigil: gate policy .*bad\.yaml: rules\.0: Unrecognized key: "fixAvailble" \[VIGIL_INVALID_INPUT\]\n$/);
    writeFileSync(file('bad2'), 'mode: block\nrules: [{kev: true}]\n');
    assert.match(vigil(['gate', IMAGE, '--policy', file('bad2')]).stderr, /gate policy .*bad2\.yaml: mode: /);
    const missing = vigil(['gate', IMAGE, '--policy', join(home, 'nope.yaml')]);
    assert.equal(missing.code, 4);
    assert.match(missing.stderr, /gate policy .*nope\.yaml: no such file/);
    assert.equal(vigil(['gate', IMAGE]).code, 2);
    assert.match(vigil(['gate', IMAGE]).stderr, /needs --policy FILE/);
    assert.equal(vigil(['gate', IMAGE, '--policy', file('high'), '-f', 'sarif']).code, 2);
    assert.equal(vigil(['gate', IMAGE, '--server', 'http://127.0.0.1:1']).code, 2, 'no token');
    const absent = vigil(['gate', join(home, 'absent.tar'), '--policy', file('high')]);
    assert.ok(absent.code === 4 || absent.code === 1, `${absent.code} ${absent.stderr}`);
    assert.match(absent.stderr, /^vigil: .*absent\.tar/);
  });

  describe('agreement: vigil gate, the admission webhook, GET /v1/gate and vigil gate --server', () => {
    let store: Store;
    let app: VigilServer;
    let address = '';
    let key = '';
    let accountId = '';
    const tokens: Record<string, string> = {};
    before(async () => {
      // the image's scan, as `vigil scan image` makes it, recorded as the registry image NAME:1.0
      const scan = vigil(['scan', 'image', IMAGE, '--offline', '-f', 'json']);
      assert.equal(scan.code, 0, scan.stderr);
      const result = JSON.parse(scan.stdout) as ScanResult;
      store = await openStore(db);
      const b = (await bootstrap(store, { organizationName: 'gate agreement' }))!;
      key = b.key;
      accountId = b.delegatedAdmin.id;
      await recordScan(store, { accountId, resource: { type: 'image', name: NAME, ref: `${NAME}@${result.target.digest}`, digest: result.target.digest, tags: ['1.0'] }, result, now: new Date() });
      app = await buildServer({ store, log: silentLogger(), config: { defaultMetrics: false } });
      address = await app.listen({ host: '127.0.0.1', port: 0 });
      for (const [name, text] of Object.entries(POLICIES)) {
        const r = await app.inject({ method: 'PUT', url: `/v1/gate/policies/${name}`, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/yaml' }, payload: text });
        assert.equal(r.statusCode, 201, r.body);
        tokens[name] = r.json().token;
      }
    });
    after(async () => {
      await app?.close();
      await store?.close();
    });

    const violated = (reasons: { vulnerabilityId: string }[]) => [...new Set(reasons.map((r) => r.vulnerabilityId))].sort();

    for (const name of Object.keys(POLICIES)) {
      test(`policy ${name}`, async () => {
        const cli = vigil(['gate', IMAGE, '--policy', file(name), '-f', 'json']);
        assert.ok(cli.code === 0 || cli.code === 5, cli.stderr);
        const local = JSON.parse(cli.stdout);
        assert.equal(cli.code, local.allowed ? 0 : 5);

        const review = {
          apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
          request: { uid: `uid-${name}`, kind: { group: '', version: 'v1', kind: 'Pod' }, namespace: 'apps', operation: 'CREATE', object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'app', namespace: 'apps' }, spec: { containers: [{ name: 'app', image: `${NAME}:1.0` }] } } },
        };
        const hook = await fetch(`${address}/v1/admission/${accountId}/${name}/${tokens[name]}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(review) });
        const admission = (await hook.json()).response;
        assert.equal(admission.uid, `uid-${name}`);
        assert.equal(admission.allowed, local.allowed, `${name}: the webhook and vigil gate disagree`);

        const api = await (await fetch(`${address}/v1/gate?image=${encodeURIComponent(`${NAME}:1.0`)}&policy=${name}`, { headers: { authorization: `Bearer ${key}` } })).json();
        assert.equal(api.allowed, local.allowed);
        assert.equal(api.resolved.digest, local.digest, 'the tag resolved to the digest scanned');
        assert.deepEqual(violated(api.reasons), violated(local.reasons), `${name}: the same vulnerabilities violate`);
        assert.deepEqual(violated(api.exempted.filter((e: { kind: string }) => e.kind === 'vulnerability') as { vulnerabilityId: string }[]), violated(local.exempted.filter((e: { kind: string }) => e.kind === 'vulnerability')));
        if (!local.allowed) for (const v of violated(local.reasons)) assert.ok(admission.status.message.includes(v) || admission.status.message.includes('more'), `${name}: ${v} not in the denial`);
        if (local.reasons.length && local.allowed) assert.ok(admission.warnings?.length, `${name}: audit warnings`);

        const remote = await vigilAsync(['gate', `${NAME}:1.0`, '--server', address, '--token', key, '--policy', name, '-f', 'json']);
        assert.equal(remote.code, cli.code, remote.stderr);
        const r = JSON.parse(remote.stdout);
        assert.equal(r.source, 'server');
        assert.equal(r.digest, local.digest);
        assert.deepEqual(violated(r.reasons), violated(local.reasons));
      });
    }

    test('--server: an unknown image is denied by the policy (5); an unknown policy is not found (4); a wrong key (1)', async () => {
      const unknown = await vigilAsync(['gate', `${NAME}:2.0`, '--server', address, '--token', key, '--policy', 'high']);
      assert.equal(unknown.code, 5, unknown.stderr);
      assert.match(unknown.stdout, /unknown image: no image registry\.test\/bullseye-app:2\.0 in the inventory/);
      const allowUnknown = await vigilAsync(['gate', `${NAME}:2.0`, '--server', address, '--token', key, '--policy', 'critical-or-kev']);
      assert.equal(allowUnknown.code, 0);
      const noPolicy = await vigilAsync(['gate', `${NAME}:1.0`, '--server', address, '--token', key, '--policy', 'nope']);
      assert.equal(noPolicy.code, 4);
      assert.match(noPolicy.stderr, /no gate policy "nope"/);
      const wrong = await vigilAsync(['gate', `${NAME}:1.0`, '--server', address, '--token', 'vgl_wrong_x', '--policy', 'high']);
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /malformed API key|unknown or revoked API key/);
    });
  });
});
