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
import { parseListen } from './server.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('parseListen', () => {
  assert.deepEqual(parseListen('127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 });
  assert.deepEqual(parseListen('[::1]:0'), { host: '::1', port: 0 });
  assert.deepEqual(parseListen(':9000'), { host: '0.0.0.0', port: 9000 });
  assert.deepEqual(parseListen('9000'), { host: '127.0.0.1', port: 9000 });
  for (const bad of ['', 'host', '1.2.3.4:99999', '1.2.3.4:-1', 'a:b:c']) assert.throws(() => parseListen(bad), /invalid --listen/, bad);
});

/** Starts the server, waits for its "listening on" line, returns it with what it printed. */
async function start(dir: string): Promise<{ stdout: string; address: string; stop(): Promise<number | null> }> {
  // the real command, as a user runs it
  const child = spawn(process.execPath, [join(root, 'bin', 'vigil.js'), '--db', `sqlite:${join(dir, 'v.db')}`, '-q', 'server', '--listen', '127.0.0.1:0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const address = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /listening on (http:\/\/\S+)/.exec(stdout);
      if (m) resolve(m[1]);
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
    try {
      const key = /^(vgl_\S+)$/m.exec(first.stdout)?.[1];
      assert.ok(key, first.stdout);
      const me = await fetch(`${first.address}/v1/whoami`, { headers: { authorization: `Bearer ${key}` } });
      assert.equal(me.status, 200);
      assert.equal((await me.json()).account.isDelegatedAdmin, true);
      assert.equal((await fetch(`${first.address}/readyz`)).status, 200);
    } finally {
      code = await first.stop();
    }
    assert.equal(code, 0);
    const second = await start(dir);
    try {
      assert.ok(!/vgl_/.test(second.stdout), 'the key is printed on first start only');
    } finally {
      assert.equal(await second.stop(), 0);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
