/**
 * Issue 17 in the server, end to end on SQLite and PostgreSQL with `vigil server` as a child
 * process: a git repository and a function package get `secret` and `code_vulnerability`
 * findings from the engine's own scans — a secret removed by a later commit is still a finding
 * (dated by its commit), a fixed flaw closes, the API filters and aggregates them, the account's
 * codeScanning setting turns code findings off (closing them), and no secret reaches the
 * database, the events or the API.
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
import { tokenGenerator } from '../src/detectors/secrets/testutil.ts';
import type { Store } from '../src/store/index.ts';
import { dialects, type TestStore } from './helpers/stores.ts';
import { startServer, VULNDATA, vigilCli, waitFor, type ServerProcess } from './helpers/server.ts';
import { makeZip } from './helpers/zip.ts';
import { HOW, needsAll } from './helpers/prereq.ts';

const run = promisify(execFile);
const git = (cwd: string, ...args: string[]) => run('git', ['-c', 'user.email=dev@example.invalid', '-c', 'user.name=Dev', ...args], { cwd });

type Row = { type: string; advisory_id: string; vulnerability_id: string; package_name: string; package_version: string; status: string; details: string };
async function findingsOf(store: Store, resourceId: string): Promise<Row[]> {
  return store.db.selectFrom('findings').select(['type', 'advisory_id', 'vulnerability_id', 'package_name', 'package_version', 'status', 'details']).where('resource_id', '=', resourceId).execute();
}
/** every text of the store a secret could leak into: findings, events, resources */
async function storedText(store: Store): Promise<string> {
  const parts = [
    ...(await store.db.selectFrom('findings').selectAll().execute()).map((r) => JSON.stringify(r)),
    ...(await store.db.selectFrom('events').selectAll().execute()).map((r) => JSON.stringify(r)),
    ...(await store.db.selectFrom('resources').selectAll().execute()).map((r) => JSON.stringify(r)),
  ];
  return parts.join('\n');
}

const missing = needsAll([['../shared/vulndata', existsSync(VULNDATA), HOW.vulndata]]);

for (const [dialect, open] of dialects) {
  describe(`secret and code findings from server scans (${dialect})`, { skip: missing, concurrency: false }, () => {
    let ts: TestStore;
    let home: string;
    let server: ServerProcess;
    const gen = tokenGenerator(31);
    const ghp = gen.make('ghp');
    const awsId = gen.make('aws-id');
    const awsSecret = gen.make('aws-secret');
    const stripe = gen.make('stripe-live');
    const secrets = [ghp, awsId, awsSecret, stripe];

    before(async () => {
      ts = await open();
      home = await mkdtemp(join(tmpdir(), 'vigil-code-'));
      await vigilCli(home, ts.url, ['db', 'import', join(VULNDATA, 'PyPI', 'all.zip')]);
      server = await startServer({ home, db: ts.url, args: ['--tick', '1', '--allow-path', home] });
    });
    after(async () => {
      const code = await server?.stop();
      if (code !== 0) console.log(server?.output());
      await ts?.cleanup();
      await rm(home, { recursive: true, force: true });
    });

    test('a repository: secrets in the tree and in history, code flaws; a fix closes its flaw; filters and aggregations', async () => {
      const repo = join(home, 'repo');
      await mkdir(join(repo, 'app'), { recursive: true });
      await mkdir(join(repo, 'web'), { recursive: true });
      // commit 1: an AWS key pair in a deploy script (removed in commit 2), a flawed Flask view, a decoy
      await writeFile(join(repo, 'deploy.sh'), `#!/bin/sh\nexport AWS_ACCESS_KEY_ID=${awsId}\nexport AWS_SECRET_ACCESS_KEY=${awsSecret}\naws s3 sync build s3://site\n`);
      await writeFile(join(repo, 'app', 'views.py'), [
        'import os', 'from flask import Flask, request', 'app = Flask(__name__)', '',
        '@app.route("/ping")', 'def ping():', '    host = request.args.get("host")', '    os.system("ping -c 1 " + host)', '    return "ok"', '',
      ].join('\n'));
      await writeFile(join(repo, 'app', 'settings.py'), `# settings\nDOCS_ID = "AKIAIOSFODNN7EXAMPLE"\nEXAMPLE_KEY = "AKIAIOSFODNN7EXAMPLE"\nGITHUB_TOKEN = "${ghp}"\n`);
      await writeFile(join(repo, 'requirements.txt'), 'flask==2.3.3\n');
      await git(repo, 'init', '-q', '-b', 'main');
      await git(repo, 'add', '.');
      await git(repo, 'commit', '-qm', 'first');
      // commit 2: the deploy script no longer holds the keys; a JS flaw appears
      await writeFile(join(repo, 'deploy.sh'), '#!/bin/sh\naws s3 sync build s3://site\n');
      await writeFile(join(repo, 'web', 'server.js'), [
        "const express = require('express');", "const db = require('./db');", 'const app = express();',
        "app.get('/user', (req, res) => {", '  db.query("SELECT * FROM users WHERE id = " + req.query.id, (e, rows) => res.json(rows));', '});', '',
      ].join('\n'));
      await git(repo, 'add', '.');
      await git(repo, 'commit', '-qm', 'rotate keys out of the script; user API');
      const first = (await git(repo, 'rev-list', '--max-parents=0', 'HEAD')).stdout.trim();

      const created = await server.api('POST', '/v1/repositories', { config: { url: repo, branch: 'main', pollSeconds: 0 } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const r = await waitFor('the repository scanned', async () => {
        const x = await ts.store.db.selectFrom('resources').selectAll().where('target_id', '=', created.body.id).executeTakeFirst();
        return x?.coverage_reason === 'SUCCESSFUL' ? x : null;
      });
      const fs = await findingsOf(ts.store, r.id);
      const active = fs.filter((f) => f.status === 'ACTIVE');
      const rules = active.filter((f) => f.type !== 'vulnerability').map((f) => `${f.type} ${f.advisory_id} ${f.package_name}`).sort();
      assert.deepEqual(rules, [
        'code_vulnerability js/sql-injection web/server.js',
        'code_vulnerability python/command-injection app/views.py',
        'secret secret/aws-access-key deploy.sh',
        'secret secret/github-pat-classic app/settings.py',
      ].sort(), JSON.stringify(active.map((f) => [f.type, f.advisory_id, f.package_name])));
      const aws = active.find((f) => f.advisory_id === 'secret/aws-access-key')!;
      assert.equal(aws.package_version, first, 'the history secret names the commit that added it');
      const awsDetails = JSON.parse(aws.details);
      assert.equal(awsDetails.secret.location.commit.inHead, false);
      assert.equal(awsDetails.secret.location.commit.author, 'Dev <dev@example.invalid>');
      assert.deepEqual(awsDetails.scoring.adjustments.map((a: { metric: string }) => a.metric), ['detector', 'confidence', 'history']);
      assert.ok(active.some((f) => f.type === 'vulnerability' && f.package_name === 'flask') || !active.some((f) => f.type === 'vulnerability'), 'package findings are written beside');

      // the API: type filter, details, detector and filePath filters, aggregations
      const list = await server.api('GET', '/v1/findings?type=secret,code_vulnerability&sort=score');
      assert.equal(list.status, 200, JSON.stringify(list.body));
      assert.equal(list.body.items.length, 4);
      const cmd = list.body.items.find((f: { advisoryId: string }) => f.advisoryId === 'python/command-injection');
      assert.equal(cmd.vulnerabilityId, 'CWE-78');
      assert.equal(cmd.severity, 'CRITICAL');
      const detail = await server.api('GET', `/v1/findings/${cmd.id}`);
      assert.equal(detail.status, 200, JSON.stringify(detail.body));
      assert.equal(detail.body.details.code.location.line, 8);
      assert.equal(detail.body.details.code.trace.at(-1).kind, 'sink');
      assert.equal(detail.body.details.code.trace[0].kind, 'source');
      assert.equal(detail.body.details.scoring.formula, 'vigil-code-1');
      const byDetector = await server.api('GET', '/v1/findings?detector=js/sql-injection');
      assert.deepEqual(byDetector.body.items.map((f: { package: { name: string } }) => f.package.name), ['web/server.js']);
      const byPath = await server.api('GET', '/v1/findings?filePath=app/*');
      assert.equal(byPath.status, 200, JSON.stringify(byPath.body));
      assert.deepEqual(byPath.body.items.map((f: { advisoryId: string }) => f.advisoryId).sort(), ['python/command-injection', 'secret/github-pat-classic']);
      const cwe = await server.api('GET', '/v1/findings?vulnerabilityId=CWE-798');
      assert.equal(cwe.body.items.length, 2);
      const agg = await server.api('GET', '/v1/aggregations/findings?by=detector');
      assert.equal(agg.status, 200, JSON.stringify(agg.body));
      assert.deepEqual(agg.body.items.map((i: { key: string }) => i.key).sort(), ['js/sql-injection', 'python/command-injection', 'secret/aws-access-key', 'secret/github-pat-classic']);
      const byType = await server.api('GET', '/v1/aggregations/findings?by=type');
      assert.ok(byType.body.items.some((i: { key: string; count: number }) => i.key === 'secret' && i.count === 2), JSON.stringify(byType.body));
      const bad = await server.api('GET', '/v1/findings?type=secrets');
      assert.equal(bad.status, 400);

      // a fix: the view passes an argument list; the command-injection finding closes, the rest stay
      await writeFile(join(repo, 'app', 'views.py'), [
        'import subprocess', 'from flask import Flask, request', 'app = Flask(__name__)', '',
        '@app.route("/ping")', 'def ping():', '    host = request.args.get("host")', '    subprocess.run(["ping", "-c", "1", host])', '    return "ok"', '',
      ].join('\n'));
      await git(repo, 'commit', '-qam', 'ping without a shell');
      const head = (await git(repo, 'rev-parse', 'HEAD')).stdout.trim();
      const payload = JSON.stringify({ ref: 'refs/heads/main', after: head, repository: { clone_url: repo } });
      const sig = `sha256=${createHmac('sha256', created.body.secrets.webhookSecret as string).update(payload).digest('hex')}`;
      const hook = await server.api('POST', `/v1/repositories/${created.body.id}/webhook`, undefined, { raw: payload, headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': sig } });
      assert.equal(hook.status, 200, JSON.stringify(hook.body));
      await waitFor('the command injection closed', async () => {
        const now = await findingsOf(ts.store, r.id);
        return now.find((f) => f.advisory_id === 'python/command-injection')?.status === 'CLOSED';
      });
      const after = (await findingsOf(ts.store, r.id)).filter((f) => f.status === 'ACTIVE' && f.type !== 'vulnerability').map((f) => f.advisory_id).sort();
      assert.deepEqual(after, ['js/sql-injection', 'secret/aws-access-key', 'secret/github-pat-classic']);
      const events = await server.api('GET', '/v1/events?limit=500');
      assert.ok(events.body.items.some((e: { type: string; payload: { advisoryId?: string } }) => e.type === 'finding.created' && e.payload.advisoryId === 'secret/github-pat-classic'));

      // no secret anywhere: database rows, events, API answers
      const text = await storedText(ts.store) + JSON.stringify(list.body) + JSON.stringify(detail.body) + JSON.stringify(events.body);
      for (const s of secrets) assert.ok(!text.includes(s.slice(8)), `a secret leaked: ${s.slice(0, 4)}…`);
      assert.ok(!text.includes(awsSecret.slice(4, 30)));
    });

    test('a root filesystem: secrets under its tree, none from its OS files', async () => {
      const root = join(home, 'rootfs');
      await mkdir(join(root, 'etc', 'app'), { recursive: true });
      await mkdir(join(root, 'var', 'lib', 'dpkg'), { recursive: true });
      await writeFile(join(root, 'etc', 'os-release'), 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n');
      await writeFile(join(root, 'var', 'lib', 'dpkg', 'status'), 'Package: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b2\nArchitecture: amd64\n\n');
      await writeFile(join(root, 'etc', 'app', 'credentials'), `[default]\naws_access_key_id = ${awsId}\naws_secret_access_key = ${awsSecret}\n`);
      await writeFile(join(root, 'etc', 'app', 'example.conf'), 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE\npassword = changeme\n');
      const created = await server.api('POST', '/v1/rootfs', { config: { path: root } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const r = await waitFor('the rootfs scanned', async () => {
        const x = await ts.store.db.selectFrom('resources').selectAll().where('target_id', '=', created.body.id).executeTakeFirst();
        return x?.coverage_reason === 'SUCCESSFUL' ? x : null;
      });
      const fs = (await findingsOf(ts.store, r.id)).filter((f) => f.type === 'secret').map((f) => `${f.advisory_id} ${f.package_name} ${f.status}`);
      assert.deepEqual(fs, ['secret/aws-access-key etc/app/credentials ACTIVE']);
    });

    test('a function package: code and secrets; codeScanning off closes the code findings', async () => {
      const created = await server.api('POST', '/v1/functions', { name: 'payments', config: { runtime: 'python3.12' } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const handler = [
        'import json, pickle, base64, hashlib', `STRIPE_KEY = "${stripe}"`, '',
        'def handler(event, context):', '    blob = base64.b64decode(event["body"])', '    order = pickle.loads(blob)',
        '    digest = hashlib.md5(json.dumps(order).encode()).hexdigest()', '    return {"statusCode": 200, "body": digest}', '',
      ].join('\n');
      const upload = async () => {
        const res = await fetch(`${server.url}/v1/functions/${created.body.id}/versions`, { method: 'POST', headers: { authorization: `Bearer ${server.key}`, 'content-type': 'application/zip' }, body: new Uint8Array(makeZip([{ name: 'handler.py', data: handler }])) });
        assert.equal(res.status, 202);
        return res.json() as Promise<{ resourceId: string }>;
      };
      const v1 = await upload();
      await waitFor('the function scanned', async () => (await findingsOf(ts.store, v1.resourceId)).some((f) => f.type === 'secret'));
      const fs = (await findingsOf(ts.store, v1.resourceId)).filter((f) => f.status === 'ACTIVE').map((f) => `${f.type} ${f.advisory_id}`).sort();
      assert.deepEqual(fs, ['code_vulnerability python/unsafe-deserialization', 'code_vulnerability python/weak-hash', 'secret secret/stripe-secret-key'].sort(), JSON.stringify(fs));
      const withFn = await server.api('GET', `/v1/aggregations/findings?by=function&type=code_vulnerability`);
      assert.deepEqual(withFn.body.items.map((i: { key: string; count: number }) => [i.key, i.count]), [['payments', 2]]);

      // the account turns code scanning off: the next scan closes code findings, keeps the secret
      const me = await server.api('GET', '/v1/accounts');
      const accountId = me.body.items?.[0]?.id ?? me.body[0]?.id;
      const patched = await server.api('PATCH', `/v1/accounts/${accountId}`, { scanSettings: { codeScanning: false } });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      await server.api('POST', `/v1/resources/${v1.resourceId}/scan`);
      await waitFor('code findings closed', async () => (await findingsOf(ts.store, v1.resourceId)).filter((f) => f.type === 'code_vulnerability').every((f) => f.status === 'CLOSED'));
      assert.ok((await findingsOf(ts.store, v1.resourceId)).some((f) => f.type === 'secret' && f.status === 'ACTIVE'));
      const text = await storedText(ts.store);
      assert.ok(!text.includes(stripe.slice(12)), 'the Stripe key is not stored');
    });
  });
}
