/**
 * `vigil cis host ssh://user@host[:port]` (issue 18) through bin/vigil.js against a real sshd serving
 * the real bookworm root (ChrootDirectory on a read-only bind mount): JSON with the target named by
 * its ssh:// address, the same statuses as `vigil cis rootfs` of the same tree on every check that
 * is not about running values, the notes on stderr; the host key pinned with --host-key (another is
 * refused, exit 1); usage errors (exit 2) for a bad address, a password in it, no credentials, SSH
 * options on a local root; an identity file that is not there (exit 4). The assessment runs in the
 * isolated scan process under --scan-timeout / --scan-memory, as `vigil scan` does: a host that never
 * answers is stopped at --scan-timeout.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { benchmarkById } from '../src/detectors/cis/index.ts';
import { readOnlyBind, sshdUnavailable, startSshd, type TestSshd } from '../src/sources/ssh/testutil.ts';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'vigil.js');
const BOOKWORM = join(ROOT, '.cache', 'targets', 'rootfs-bookworm');
const unavailable = sshdUnavailable() || (!existsSync(join(BOOKWORM, 'etc', 'os-release')) && 'no .cache/targets/rootfs-bookworm');

describe('vigil cis host ssh://', { skip: unavailable }, () => {
  let dir: string;
  let key: string;
  let d: TestSshd | undefined;
  let mount: { path: string; unmount(): Promise<void> } | undefined;
  let skip: string | false = false;
  // spawn, not spawnSync: the test sshd's stderr is a pipe this process keeps reading while vigil runs
  const vigil = (args: string[], env: Record<string, string> = {}) => new Promise<{ code: number | null; stdout: string; stderr: string }>((res) => {
    const home = join(dir, 'home');
    const c = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, VIGIL_LOG_LEVEL: '', VIGIL_HOME: home, VIGIL_DATABASE_URL: `sqlite:${join(home, 'never.db')}`, NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (b) => (stdout += b));
    c.stderr.on('data', (b) => (stderr += b));
    c.on('close', (code) => res({ code, stdout, stderr }));
  });
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-cis-ssh-cli-'));
    try {
      mount = await readOnlyBind(BOOKWORM);
    } catch (err) {
      skip = `a read-only bind mount is not permitted here: ${(err as Error).message}`;
      return;
    }
    d = await startSshd({ chroot: mount.path });
    key = join(dir, 'id_ed25519');
    writeFileSync(key, d.clientKey, { mode: 0o600 });
  });
  after(async () => {
    await d?.stop();
    await mount?.unmount();
    rmSync(dir, { recursive: true, force: true });
  });

  test('JSON over SSH: the same statuses as the root filesystem read locally, running values aside', async (t) => {
    if (skip) return t.skip(skip);
    const url = `ssh://root@127.0.0.1:${d!.port}`;
    const r = await vigil(['cis', 'host', url, '--identity', key, '--host-key', d!.hostKeyFingerprint, '--format', 'json', '--level', '2']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(out), ['benchmark', 'profile', 'target', 'checks', 'counts']);
    assert.equal(out.benchmark.id, 'debian-12');
    assert.equal(out.profile.level, 2);
    assert.deepEqual(out.target, { kind: 'host', ref: url });
    assert.match(r.stderr, new RegExp(`host key ${d!.hostKeyFingerprint.replace(/[+/]/g, '\\$&')} \\(ssh-ed25519\\)`));
    assert.match(r.stderr, /note: no \/proc\/sys on the host/);
    const local = await vigil(['cis', 'rootfs', BOOKWORM, '--format', 'json', '--level', '2']);
    assert.equal(local.code, 0, local.stderr);
    const l = JSON.parse(local.stdout);
    const bench = (await benchmarkById('debian-12'))!;
    const liveIds = new Set(bench.checks.filter((c) => c.live || /"(sysctl_live|service_live)"/.test(JSON.stringify([c.test, c.applies_if]))).map((c) => c.id));
    const byId = new Map<string, string>(l.checks.map((c: { id: string; status: string }) => [c.id, c.status]));
    assert.equal(out.checks.length, l.checks.length);
    for (const c of out.checks) if (!liveIds.has(c.id)) assert.equal(c.status, byId.get(c.id), c.id);
  });

  test('a host key other than the pinned one is refused (exit 1)', async (t) => {
    if (skip) return t.skip(skip);
    const other = 'SHA256:' + Buffer.alloc(32, 3).toString('base64').replace(/=+$/, '');
    const r = await vigil(['cis', 'host', `ssh://root@127.0.0.1:${d!.port}`, '--identity', key, '--host-key', other, '--format', 'json']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is not the expected .*refusing to connect \[VIGIL_NETWORK\]/);
    assert.equal(r.stdout, '');
  });

  test('usage errors name the input (exit 2); a missing identity file is exit 4', async (t) => {
    if (skip) return t.skip(skip);
    const p = d!.port;
    const cases: [string[], RegExp, Record<string, string>?][] = [
      [['cis', 'host', `ssh://127.0.0.1:${p}`, '--identity', key], /the user is required/],
      [['cis', 'host', `ssh://root:pw@127.0.0.1:${p}`, '--identity', key], /no password in the address/],
      [['cis', 'host', `ssh://root@127.0.0.1:${p}/etc`, '--identity', key], /no path/],
      [['cis', 'host', `ssh://root@127.0.0.1:${p}`], /--identity FILE .* or --password-env/],
      [['cis', 'host', `ssh://root@127.0.0.1:${p}`, '--password-env', 'VIGIL_TEST_UNSET_VAR'], /VIGIL_TEST_UNSET_VAR: the environment variable is not set/],
      [['cis', 'host', '/', '--identity', key], /are for an ssh:\/\/user@host target/],
    ];
    for (const [args, re, env] of cases) {
      const r = await vigil(args, env);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
    }
    const bad = await vigil(['cis', 'host', `ssh://root@127.0.0.1:${p}`, '--identity', key, '--scan-memory', '64']);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /invalid --scan-memory/);
    const r = await vigil(['cis', 'host', `ssh://root@127.0.0.1:${p}`, '--identity', join(dir, 'nope')]);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /--identity .*nope: no such file/);
  });

  test('runs in the isolated scan process: a host that never answers is stopped at --scan-timeout (exit 1)', async (t) => {
    if (skip) return t.skip(skip);
    const silent = await startSshd({ forceCommand: 'sleep 30' });
    try {
      const k = join(dir, 'silent_key');
      writeFileSync(k, silent.clientKey, { mode: 0o600 });
      const r = await vigil(['cis', 'host', `ssh://root@127.0.0.1:${silent.port}`, '--identity', k, '--scan-timeout', '3', '--format', 'json']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /ran longer than 3 s \(--scan-timeout\) and was stopped/);
      assert.equal(r.stdout, '');
    } finally {
      await silent.stop();
    }
  });
});
