/**
 * `vigil server` in a child process (main.ts does not register it yet, so the child builds its
 * own program): first start prints the admin key once, the key works over HTTP, SIGTERM exits 0,
 * and a second start on the same database prints no key.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { consoleLine, parseListen, policyFromOptions } from './server.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('parseListen', () => {
  assert.deepEqual(parseListen('127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 });
  assert.deepEqual(parseListen('[::1]:0'), { host: '::1', port: 0 });
  assert.deepEqual(parseListen(':9000'), { host: '0.0.0.0', port: 9000 });
  assert.deepEqual(parseListen('9000'), { host: '127.0.0.1', port: 9000 });
  for (const bad of ['', 'host', '1.2.3.4:99999', '1.2.3.4:-1', 'a:b:c']) assert.throws(() => parseListen(bad), /invalid --listen/, bad);
});

test('consoleLine: the console URL (loopback for an all-interfaces address), or how to build it', () => {
  assert.equal(consoleLine('http://127.0.0.1:8080', '/x/web/dist', true), 'console: http://127.0.0.1:8080/ (log in with an API key)');
  assert.equal(consoleLine('http://0.0.0.0:9000', '/x/web/dist', true), 'console: http://127.0.0.1:9000/ (log in with an API key)');
  assert.equal(consoleLine('http://[::]:9000', '/x/web/dist', true), 'console: http://[::1]:9000/ (log in with an API key)');
  assert.match(consoleLine('http://127.0.0.1:8080', '/x/web/dist', false), /^console: not built \(\/x\/web\/dist is missing: run npm run build\); the API is at http:\/\/127\.0\.0\.1:8080\/v1$/);
});

/** Starts the server, waits for its "listening on" line, returns it with what it printed. */
async function start(dir: string, extra: string[] = []): Promise<{ stdout: string; address: string; stop(): Promise<number | null> }> {
  // the real command, as a user runs it
  const child = spawn(process.execPath, [join(root, 'bin', 'vigil.js'), '--home', dir, '--db', `sqlite:${join(dir, 'v.db')}`, '-q', 'server', '--listen', '127.0.0.1:0', ...extra], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const address = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /listening on (http:\/\/\S+)/.exec(stdout);
      // the console line follows the address
      if (m && /^console: /m.test(stdout)) resolve(m[1]);
    });
    void exited.then((code) => reject(new Error(`server exited early (${code}): ${stderr}`)));
  });
  return { stdout, address, stop: async () => { child.kill('SIGTERM'); return exited; } };
}

test('vigil server: bootstrap once, serve, shut down on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-server-'));
  try {
    const first = await start(dir);
    let code: number | null;
    let secondKey = '';
    try {
      const key = /^(vgl_\S+)$/m.exec(first.stdout)?.[1];
      assert.ok(key, first.stdout);
      // where the console is (or that it is not built: this checkout's web/dist may be missing)
      const consoleAt = /^console: (http:\/\/\S+) \(log in with an API key\)$/m.exec(first.stdout)?.[1];
      if (consoleAt) {
        assert.equal(consoleAt, `${first.address}/`);
        const page = await fetch(consoleAt, { headers: { accept: 'text/html' } });
        assert.equal(page.status, 200);
        assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      } else {
        assert.match(first.stdout, /^console: not built \(.*web\/dist is missing: run npm run build\)/m);
        assert.equal((await fetch(`${first.address}/`)).status, 404);
      }
      // log in to the console with the printed key
      const login = await fetch(`${first.address}/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiKey: key }) });
      assert.equal(login.status, 200);
      assert.match(login.headers.get('set-cookie') ?? '', /^vigil_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
      const me = await fetch(`${first.address}/v1/whoami`, { headers: { authorization: `Bearer ${key}` } });
      assert.equal(me.status, 200);
      assert.equal((await me.json()).account.isDelegatedAdmin, true);
      assert.equal((await fetch(`${first.address}/readyz`)).status, 200);
      // by default tenants reach neither the server's files nor its loopback
      for (const [kind, config] of [['rootfs', { path: dir }], ['registries', { url: 'http://127.0.0.1:5000' }]] as const) {
        const res: Response = await fetch(`${first.address}/v1/${kind}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ config }) });
        assert.equal(res.status, 403, kind);
        assert.match((await res.json()).error.message, /not allowed/);
      }
      secondKey = key;
    } finally {
      code = await first.stop();
    }
    assert.equal(code, 0);
    const second = await start(dir, ['--allow-path', dir, '--allow-network', '127.0.0.0/8']);
    try {
      assert.ok(!/vgl_/.test(second.stdout), 'the key is printed on first start only');
      // the operator opened them
      for (const [kind, config] of [['rootfs', { path: join(dir, 'snapshot') }], ['registries', { url: 'http://127.0.0.1:5000', pollSeconds: 0 }]] as const) {
        const res: Response = await fetch(`${second.address}/v1/${kind}`, { method: 'POST', headers: { authorization: `Bearer ${secondKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ config }) });
        assert.equal(res.status, 201, kind);
      }
    } finally {
      assert.equal(await second.stop(), 0);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--allow-path / --allow-network, else VIGIL_ALLOW_PATH / VIGIL_ALLOW_NETWORK; bad values are configuration errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-policy-flags-'));
  try {
    const fromEnv = await policyFromOptions({}, { VIGIL_ALLOW_PATH: `${dir}:${tmpdir()}`, VIGIL_ALLOW_NETWORK: '127.0.0.0/8, 10.0.0.0/8' });
    assert.deepEqual(fromEnv.toSpec().allowNetworks, ['127.0.0.0/8', '10.0.0.0/8']);
    assert.equal(fromEnv.toSpec().allowPaths.length, 2);
    const fromFlags = await policyFromOptions({ allowNetwork: ['192.168.0.0/16'], allowPath: [] }, { VIGIL_ALLOW_NETWORK: '127.0.0.0/8' });
    assert.deepEqual(fromFlags.toSpec().allowNetworks, ['192.168.0.0/16'], 'flags win over the environment');
    assert.equal(fromFlags.refusal('127.0.0.1') !== undefined, true);
    await assert.rejects(policyFromOptions({ allowNetwork: ['not-a-cidr'] }, {}), /invalid --allow-network "not-a-cidr"/);
    await assert.rejects(policyFromOptions({ allowPath: [join(dir, 'missing')] }, {}), /invalid --allow-path .*no such directory/);
    const child = spawn(process.execPath, [join(root, 'bin', 'vigil.js'), '--db', `sqlite:${join(dir, 'v.db')}`, '-q', 'server', '--listen', '127.0.0.1:0', '--allow-network', '300.0.0.0/8'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.notEqual(code, 0);
    assert.match(stderr, /--allow-network "300\.0\.0\.0\/8"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
