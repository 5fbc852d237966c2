import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import * as tar from 'tar-stream';
import { VigilError } from '../../model/index.ts';
import { isWantedPath, openSshHost, type SshTarget } from './index.ts';
import { freePort, sshdUnavailable, startSshd, type TestSshd } from './testutil.ts';

const unavailable = sshdUnavailable();

async function rejectsWith(p: Promise<unknown>, code: string, rule: string): Promise<VigilError> {
  const err = await p.then(
    () => assert.fail(`expected ${code}/${rule}`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof VigilError, String(err));
  assert.equal(err.code, code, err.message);
  assert.equal(err.rule, rule, err.message);
  return err;
}

/** Established TCP connections to `port`, from ss(8). */
async function connectionsTo(port: number): Promise<number> {
  const { stdout } = await promisify(execFile)('ss', ['-Htn', 'state', 'established', `( sport = :${port} )`]);
  return stdout.split('\n').filter((l) => l.trim() !== '').length;
}

describe('openSshHost against a real sshd', { skip: unavailable }, () => {
  let d: TestSshd;
  let target: SshTarget;
  before(async () => {
    d = await startSshd();
    target = { host: d.host, port: d.port, username: d.username, privateKey: d.clientKey };
  });
  after(async () => {
    await d?.stop();
  });

  it('snapshots this host over one tar stream and closes the connection', async () => {
    const s = await openSshHost({ ...target, hostKeyFingerprint: d.hostKeyFingerprint });
    assert.equal(s.method, 'tar');
    assert.equal(s.hostKeyFingerprint, d.hostKeyFingerprint);
    assert.equal(s.hostKeyType, 'ssh-ed25519');
    assert.equal(s.hostname, hostname());
    assert.equal(s.machineId, (await readFile('/etc/machine-id', 'utf8')).trim());
    assert.equal(s.arch, (await promisify(execFile)('uname', ['-m'])).stdout.trim());
    assert.ok(s.listening.some((l) => l.protocol === 'tcp' && l.address === '127.0.0.1' && l.port === d.port), JSON.stringify(s.listening));
    assert.equal(s.listeningNote, undefined);
    assert.deepEqual(s.fs.errors, []);
    assert.equal(s.fs.target.kind, 'ssh');
    assert.equal(s.fs.target.ref, `ssh://root@127.0.0.1:${d.port}`);
    // /etc/os-release is a symlink on Debian: tar -h sent the file it points to
    assert.deepEqual(await s.fs.readFile('/etc/os-release'), await readFile('/etc/os-release'));
    assert.deepEqual(await s.fs.readFile('usr/lib/os-release'), await readFile('/usr/lib/os-release'));
    const paths: string[] = [];
    for await (const e of s.fs.entries()) if (e.kind === 'file') paths.push(e.path);
    assert.ok(paths.includes('var/lib/dpkg/status'));
    assert.ok(paths.filter((p) => p.startsWith('var/lib/dpkg/info/')).length > 100);
    assert.ok(paths.every(isWantedPath), 'only asked-for files are held');
    assert.ok(s.stats.files === paths.length && s.stats.bytes > 0, JSON.stringify(s.stats));
    // the connection is gone (the server side may take a moment to notice)
    let open = await connectionsTo(d.port);
    for (let i = 0; i < 100 && open > 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      open = await connectionsTo(d.port);
    }
    assert.equal(open, 0);
    await s.fs.close();
  });

  it('reads the same files over SFTP', async () => {
    const a = await openSshHost(target);
    const b = await openSshHost(target, { method: 'sftp' });
    assert.equal(b.method, 'sftp');
    const list = async (fs: typeof a.fs) => {
      const out: string[] = [];
      for await (const e of fs.entries()) if (e.kind === 'file') out.push(e.path);
      return out;
    };
    assert.deepEqual(await list(b.fs), await list(a.fs));
    assert.deepEqual(await b.fs.readFile('etc/os-release'), await a.fs.readFile('etc/os-release'));
    assert.deepEqual(b.listening.map((l) => `${l.protocol} ${l.address}:${l.port}`).includes(`tcp 127.0.0.1:${d.port}`), true);
    assert.equal(b.hostname, a.hostname);
  });

  it('refuses a host key other than the expected one', async () => {
    const other = 'SHA256:' + Buffer.alloc(32, 7).toString('base64').replace(/=+$/, '');
    const err = await rejectsWith(openSshHost({ ...target, hostKeyFingerprint: other }), 'VIGIL_NETWORK', 'host-key-mismatch');
    assert.ok(err.message.includes(d.hostKeyFingerprint), err.message);
  });

  it('reports a key the host does not accept as auth-failed', async () => {
    await rejectsWith(openSshHost({ ...target, privateKey: d.otherKey }), 'VIGIL_UNAUTHORIZED', 'auth-failed');
    await rejectsWith(openSshHost({ ...target, privateKey: undefined, password: 'nope' }), 'VIGIL_UNAUTHORIZED', 'auth-failed');
  });

  it('reports a closed port as unreachable', async () => {
    const port = await freePort();
    await rejectsWith(openSshHost({ ...target, port }), 'VIGIL_NETWORK', 'unreachable');
  });

  it('refuses bad targets before connecting', async () => {
    await rejectsWith(openSshHost({ ...target, hostKeyFingerprint: 'MD5:aa:bb' }), 'VIGIL_INVALID_INPUT', 'host-key-fingerprint');
    await rejectsWith(openSshHost({ host: d.host, port: d.port, username: 'root' }), 'VIGIL_INVALID_INPUT', 'ssh-target');
    await rejectsWith(openSshHost({ ...target, port: 70000 }), 'VIGIL_INVALID_INPUT', 'ssh-target');
    await rejectsWith(openSshHost({ ...target, privateKey: 'not a key' }), 'VIGIL_INVALID_INPUT', 'private-key');
  });
});

/** A tar as a hostile host might send it. */
async function hostileTar(): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(c as Buffer);
  })();
  const add = (h: Partial<tar.Header> & { name: string }, body?: string | Buffer) =>
    new Promise<void>((resolve, reject) => {
      const cb = (e?: Error | null) => (e ? reject(e) : resolve());
      if (body === undefined) pack.entry(h as tar.Header, cb);
      else pack.entry(h as tar.Header, body, cb);
    });
  await add({ name: '../../etc/shadow' }, 'root:x');
  await add({ name: '/etc/passwd' }, 'root:x');
  await add({ name: 'root/.ssh/authorized_keys' }, 'ssh-ed25519 AAAA');
  await add({ name: 'etc/os-release', type: 'symlink', linkname: '../../../../../etc/passwd' });
  await add({ name: 'usr/lib/os-release' }, 'ID=alpine\nVERSION_ID=3.19.1\n');
  await add({ name: 'lib/apk/db/installed' }, 'P:musl\nV:1.2.4-r2\nA:x86_64\n\n');
  await add({ name: 'var/lib/dpkg/status' }, Buffer.alloc(5000, 0x41));
  await add({ name: 'var/lib/dpkg/info/evil.list', type: 'character-device', devmajor: 1, devminor: 3 });
  await add({ name: 'var/lib/dpkg/info/a.list', type: 'link', linkname: 'etc/shadow' });
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

describe('openSshHost against a hostile or broken host', { skip: unavailable }, () => {
  let d: TestSshd;
  let dir: string;
  let target: SshTarget;
  const mode = (m: string) => writeFile(join(dir, 'mode'), m);
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-ssh-hostile-'));
    await writeFile(join(dir, 'hostile.tar'), await hostileTar());
    // whatever the client asks, the "host" answers from this script (the nonce is on the script's first line)
    const script = `#!/bin/sh
D=${dir}
mode=$(cat "$D/mode")
# no shell and no SFTP: fail at once, whatever was asked (an SFTP client sends no line to read)
[ "$mode" = fail ] && exit 1
IFS= read -r line
N=\${line#N=}
cat >/dev/null
m() { printf '\\n@@%s %s\\n' "$N" "$1" >&2; }
case $mode in
  hostile) m begin; m tar; printf 'motd noise\\n@@%s tar\\n' "$N"; cat "$D/hostile.tar"; m "exit 0"; m end ;;
  endless) m begin; m tar; printf '@@%s tar\\n' "$N"; exec cat /dev/zero ;;
  garbage) m begin; m tar; printf '@@%s tar\\nthis is not a tar archive' "$N"; m "exit 0"; m end ;;
  sleep) exec sleep 10 ;;
esac
`;
    await writeFile(join(dir, 'answer.sh'), script);
    await chmod(join(dir, 'answer.sh'), 0o755);
    d = await startSshd({ forceCommand: join(dir, 'answer.sh') });
    target = { host: d.host, port: d.port, username: d.username, privateKey: d.clientKey };
  });
  after(async () => {
    await d?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps only safe, asked-for entries and records the rest', async () => {
    await mode('hostile');
    const s = await openSshHost(target, { limits: { maxFileBytes: 4096 } });
    const rules = Object.fromEntries(s.fs.errors.map((e) => [e.path, e.rule]));
    assert.equal(rules['../../etc/shadow'], 'path-traversal');
    assert.equal(rules['/etc/passwd'], 'path-traversal');
    assert.equal(rules['root/.ssh/authorized_keys'], 'unexpected-entry');
    assert.equal(rules['var/lib/dpkg/status'], 'file-too-large');
    assert.equal(rules['var/lib/dpkg/info/evil.list'], 'device-file');
    assert.equal(rules['var/lib/dpkg/info/a.list'], 'bad-hardlink');
    // the escaping symlink is held but leads nowhere
    assert.equal(await s.fs.stat('etc/os-release'), null);
    await assert.rejects(s.fs.readFile('etc/os-release'), (e: VigilError) => e.code === 'VIGIL_NOT_FOUND');
    assert.ok(s.fs.errors.some((e) => e.rule === 'symlink-escape' && e.path === 'etc/os-release'));
    await assert.rejects(s.fs.readFile('var/lib/dpkg/status'), (e: VigilError) => e.code === 'VIGIL_LIMIT_EXCEEDED' && e.rule === 'file-too-large');
    assert.equal((await s.fs.readFile('lib/apk/db/installed')).toString(), 'P:musl\nV:1.2.4-r2\nA:x86_64\n\n');
    assert.equal(await s.fs.stat('etc/shadow'), null);
    assert.equal(await s.fs.stat('root/.ssh/authorized_keys'), null);
    assert.equal(s.listening.length, 0);
    assert.match(s.listeningNote ?? '', /no readable \/proc\/net/);
  });

  it('stops reading at the byte limit when the host never stops', async () => {
    await mode('endless');
    const s = await openSshHost(target, { limits: { maxTotalBytes: 1024 * 1024 } });
    const rules = s.fs.errors.map((e) => e.rule);
    assert.ok(rules.includes('total-too-large'), JSON.stringify(s.fs.errors));
    assert.ok(rules.includes('truncated'), JSON.stringify(s.fs.errors));
  });

  it('records a corrupt tar stream', async () => {
    await mode('garbage');
    const s = await openSshHost(target);
    assert.ok(s.fs.errors.some((e) => e.rule === 'parse-error' && /corrupt tar stream/.test(e.message)), JSON.stringify(s.fs.errors));
  });

  it('gives up at the time limit', async () => {
    await mode('sleep');
    await rejectsWith(openSshHost(target, { limits: { timeoutMs: 300 } }), 'VIGIL_NETWORK', 'timeout');
  });

  it('says so when neither a shell nor SFTP works', async () => {
    await mode('fail');
    await rejectsWith(openSshHost(target, { limits: { timeoutMs: 30_000 } }), 'VIGIL_NETWORK', 'remote-command');
  });
});
