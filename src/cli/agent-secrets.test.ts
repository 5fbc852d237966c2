/**
 * Hosts' secrets by the agent (issue 17): `vigil agent --once --secret-path DIR` against a real
 * server over HTTP with planted secrets, decoys, a symlink and a symlinked directory pointing
 * outside, a file over the limit and a directory name with spaces and quotes; the server's strict
 * schema for the `secrets` array (400 naming the field); the host config's `secretPaths`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { sqliteTestStore, type TestStore } from '../../test/helpers/stores.ts';
import { VIGIL } from '../../test/helpers/server.ts';
import { tokenGenerator } from '../detectors/secrets/testutil.ts';
import { recordAgentReport } from '../engine/agent.ts';
import { Engine } from '../engine/index.ts';
import { openQueue, type JobQueue } from '../engine/queue/index.ts';
import { parseConfig } from '../engine/targets.ts';
import { silentLogger } from '../log.ts';
import { VigilError } from '../model/errors.ts';
import type { SecretFinding } from '../model/code.ts';
import { buildServer, type VigilServer } from '../server/app.ts';
import { bootstrap } from '../server/bootstrap.ts';
import { collectAgentReport, collectHostSecrets, DEFAULT_HOST_SECRET_LIMITS } from './agent.ts';

const run = promisify(execFile);

describe('vigil agent --secret-path', () => {
  let ts: TestStore;
  let app: VigilServer;
  let queue: JobQueue;
  let engine: Engine;
  let key: string;
  let url: string;
  let root: string;
  let outside: string;
  const appDir = `/srv/my "app" it's`;
  const planted: Record<string, string> = {};
  before(async () => {
    ts = await sqliteTestStore();
    key = (await bootstrap(ts.store))!.key;
    queue = await openQueue(ts.store, { log: silentLogger() });
    engine = new Engine({ store: ts.store, queue, log: silentLogger() });
    app = await buildServer({ store: ts.store, log: silentLogger(), config: { defaultMetrics: false }, engine });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    // a small root: Debian 12 with one package, and secrets under /srv
    root = await mkdtemp(join(tmpdir(), 'vigil-agent-secrets-'));
    outside = await mkdtemp(join(tmpdir(), 'vigil-agent-outside-'));
    await mkdir(join(root, 'etc'), { recursive: true });
    await mkdir(join(root, 'var/lib/dpkg'), { recursive: true });
    await writeFile(join(root, 'etc/os-release'), 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n');
    await writeFile(join(root, 'var/lib/dpkg/status'), 'Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2.15-2+b2\n\n');
    const gen = tokenGenerator(4242);
    for (const k of ['ghp', 'slack-bot', 'outside', 'big']) planted[k] = gen.make(k === 'outside' || k === 'big' ? 'ghp' : k);
    await mkdir(join(root, appDir, 'conf'), { recursive: true });
    await writeFile(join(root, appDir, 'conf', 'settings.py'), `GITHUB_TOKEN = "${planted.ghp}"\nSLACK = "${planted['slack-bot']}"\n`);
    await writeFile(join(root, appDir, 'conf', 'example.env'), 'AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nAPI_KEY=your-api-key-here\n');
    await writeFile(join(outside, 'leak.env'), `GITHUB_TOKEN=${planted.outside}\n`);
    await symlink(join(outside, 'leak.env'), join(root, appDir, 'link.env'));
    await symlink(outside, join(root, appDir, 'linked'));
    await writeFile(join(root, appDir, 'big.txt'), `TOKEN=${planted.big}\n` + 'x'.repeat(DEFAULT_HOST_SECRET_LIMITS.maxFileBytes));
    await writeFile(join(root, appDir, 'image.png'), `GITHUB_TOKEN=${planted.outside}\n`);
  });
  after(async () => {
    await app?.close();
    await queue?.stop();
    await ts?.cleanup();
    if (root) await rm(root, { recursive: true, force: true });
    if (outside) await rm(outside, { recursive: true, force: true });
  });

  test('the report carries the secrets under the directories only: no symlink followed, big file and binary noted or skipped', async () => {
    const r = await collectAgentReport(root, 'secrets-host', { secretPaths: [appDir, '/nonexistent'] });
    const rel = appDir.slice(1);
    const got = r.secrets!.filter((f) => !f.suppressed).map((f) => `${f.rule} ${f.location.path}:${f.location.line}`).sort();
    assert.deepEqual(got, [`github-pat-classic ${rel}/conf/settings.py:1`, `slack-bot-token ${rel}/conf/settings.py:2`], JSON.stringify(r.secrets, null, 1));
    assert.ok(r.errors.some((e) => e.rule === 'file-too-large' && e.path === `${rel}/big.txt`), JSON.stringify(r.errors));
    const text = JSON.stringify(r);
    for (const v of Object.values(planted)) assert.ok(!text.includes(v), 'no secret in the report');
    // --no-secrets / no directories: the report says nothing about secrets
    assert.equal('secrets' in (await collectAgentReport(root, 'secrets-host')), false);
    assert.equal('secrets' in (await collectAgentReport(root, 'secrets-host', { secretPaths: [] })), false);
    console.log(`# agent secrets: ${r.secrets!.length} findings (${got.length} live), decoys 0, errors ${r.errors.length}`);
  });

  test('the limits are notes: file count, total bytes', async () => {
    const few = await collectHostSecrets(root, [appDir], { ...DEFAULT_HOST_SECRET_LIMITS, maxFiles: 1 });
    assert.equal(few.files, 1);
    assert.ok(few.errors.some((e) => e.rule === 'too-many-entries'), JSON.stringify(few.errors));
    const small = await collectHostSecrets(root, [appDir], { ...DEFAULT_HOST_SECRET_LIMITS, maxTotalBytes: 100 });
    assert.ok(small.bytes <= 100);
    assert.ok(small.errors.some((e) => e.rule === 'total-too-large'), JSON.stringify(small.errors));
    // under another --root, a directory that is a symlink leading out of it is not followed
    await symlink(outside, join(root, 'opt'));
    const esc = await collectHostSecrets(root, ['/opt', '/srv']);
    assert.ok(esc.errors.some((e) => e.rule === 'symlink-escape' && e.path === 'opt'), JSON.stringify(esc.errors));
    assert.ok(esc.secrets.every((f) => f.location.path.startsWith('srv/')));
    await rm(join(root, 'opt'));
    await assert.rejects(collectHostSecrets(root, ['srv']), (e: VigilError) => e.code === 'VIGIL_CONFIG' && /absolute/.test(e.message));
  });

  test('vigil agent --once --secret-path against the server: accepted', async () => {
    const { stdout } = await run(process.execPath, [VIGIL, 'agent', '--once', '--server', url, '--token', key, '--root', root, '--hostname', 'secrets-cli', '--secret-path', appDir, '--secret-path', '/etc'], { env: { ...process.env, VIGIL_LOG_LEVEL: 'error' } });
    assert.match(stdout, /reported 1 packages/);
    const bad = await run(process.execPath, [VIGIL, 'agent', '--once', '--server', url, '--token', key, '--root', root, '--secret-path', '../etc'], { env: { ...process.env, VIGIL_LOG_LEVEL: 'error' } }).then(() => null, (e: { code: number; stderr: string }) => e);
    assert.ok(bad, 'a relative --secret-path is refused');
    assert.match(bad.stderr, /--secret-path: secret path "..\/etc": must be an absolute path/);
    const off = await run(process.execPath, [VIGIL, 'agent', '--once', '--server', url, '--token', key, '--root', root, '--hostname', 'secrets-cli', '--no-secrets'], { env: { ...process.env, VIGIL_LOG_LEVEL: 'error' } });
    assert.match(off.stdout, /reported 1 packages/);
  });

  test('a malformed secrets array is refused with 400 naming the field; in-process callers get the same rules', async () => {
    const r = await collectAgentReport(root, 'secrets-host', { secretPaths: [appDir] });
    const good = r.secrets![0];
    const post = (secrets: unknown) => app.inject({ method: 'POST', url: '/v1/agent/report', headers: { authorization: `Bearer ${key}` }, payload: { ...r, secrets } });
    const ok = await post(r.secrets);
    assert.equal(ok.statusCode, 200, ok.body.slice(0, 500));
    const withF = (f: (x: Record<string, any>) => void) => {
      const x = structuredClone(good) as unknown as Record<string, any>;
      f(x);
      return [x];
    };
    const cases: [unknown, string][] = [
      [withF((x) => (x.secret.hash = 'z'.repeat(64))), 'secrets.0.secret.hash'],
      [withF((x) => (x.secret.hash = x.secret.hash.slice(1))), 'secrets.0.secret.hash'],
      [withF((x) => (x.secret.prefix = 'p'.repeat(65))), 'secrets.0.secret.prefix'],
      [withF((x) => (x.secret.value = 'the secret')), 'secrets.0.secret.value'],
      [withF((x) => (x.rule = 'r'.repeat(201))), 'secrets.0.rule'],
      [withF((x) => (x.title = 't'.repeat(201))), 'secrets.0.title'],
      [withF((x) => (x.provider = 42)), 'secrets.0.provider'],
      [withF((x) => (x.snippet = 's'.repeat(1001))), 'secrets.0.snippet'],
      [withF((x) => (x.location.path = 'p'.repeat(4097))), 'secrets.0.location.path'],
      [withF((x) => (x.location.line = 0)), 'secrets.0.location.line'],
      [withF((x) => (x.severity = 'SUPER')), 'secrets.0.severity'],
      [withF((x) => (x.confidence = 'sure')), 'secrets.0.confidence'],
      [withF((x) => (x.type = 'code')), 'secrets.0.type'],
      [Array.from({ length: 10_001 }, () => good), 'secrets'],
      ['not a list', 'secrets'],
    ];
    for (const [secrets, field] of cases) {
      const res = await post(secrets);
      assert.equal(res.statusCode, 400, `${field}: ${res.body.slice(0, 300)}`);
      const e = res.json().error;
      assert.equal(e.code, 'VIGIL_INVALID_INPUT');
      assert.equal(e.details.issues[0].field, field, res.body.slice(0, 500));
      assert.ok(e.message.includes(`"${field}"`), e.message.slice(0, 300));
    }
    // the engine checks a report handed to it directly (tests, the isolated scan process) the same way
    const bad = withF((x) => (x.secret.hash = 'nothex')) as unknown as SecretFinding[];
    await assert.rejects(recordAgentReport(engine, (await ts.store.db.selectFrom('accounts').select('id').executeTakeFirstOrThrow()).id, { ...r, secrets: bad }),
      (e: VigilError) => e instanceof VigilError && e.code === 'VIGIL_INVALID_INPUT' && e.input === 'secrets.0.secret.hash');
  });
});

describe('host config secretPaths', () => {
  test('absolute, normalised, at most 32 of at most 256 characters', () => {
    assert.deepEqual(parseConfig('host', { mode: 'agent', secretPaths: ['/etc', '/srv/my app'] }).secretPaths, ['/etc', '/srv/my app']);
    assert.deepEqual(parseConfig('host', { mode: 'agent', secretPaths: [] }).secretPaths, []);
    const bad: [unknown, string, RegExp][] = [
      [['etc'], 'secretPaths.0', /absolute/],
      [['/etc', '/var/../root'], 'secretPaths.1', /"\.\."/],
      [['/etc/'], 'secretPaths.0', /end with/],
      [['/proc/1'], 'secretPaths.0', /pseudo/],
      [['/a\nb'], 'secretPaths.0', /control/],
      [['/' + 'a'.repeat(256)], 'secretPaths.0', /256/],
      [Array.from({ length: 33 }, (_, i) => `/d${i}`), 'secretPaths', /32/],
      ['/etc', 'secretPaths', /array/],
    ];
    for (const [secretPaths, field, why] of bad) {
      assert.throws(() => parseConfig('host', { mode: 'agent', secretPaths }), (e: VigilError) => e.code === 'VIGIL_INVALID_INPUT' && e.input === field && why.test(e.message), JSON.stringify(secretPaths).slice(0, 80));
    }
  });
});
