import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import * as tar from 'tar-stream';
import { VigilError } from '../../model/index.ts';
import { openFromInternet, parseIptablesSave, parseNft } from '../../detectors/network/index.ts';
import { FIREWALL_MAX_BYTES, INSTANCE_ID_FILES, isWantedPath, openSshHost, parseInstanceId, type SshTarget } from './index.ts';
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

  it('collects the firewall texts, names sshd\'s own listening socket, reads no instance id that is not there', async () => {
    const s = await openSshHost(target);
    const mine = s.listening.find((l) => l.protocol === 'tcp' && l.address === '127.0.0.1' && l.port === d.port);
    assert.equal(mine?.process, 'sshd', JSON.stringify(mine));
    assert.equal(mine?.pid, d.pid);
    // every socket owner is a live process whose name is what /proc says
    for (const l of s.listening.filter((x) => x.pid !== undefined)) {
      assert.equal(l.process, (await readFile(`/proc/${l.pid}/comm`, 'utf8').catch(() => `${l.process}\n`)).trim(), JSON.stringify(l));
    }
    assert.equal(s.listeningNote, undefined);
    // the firewall: what the tools print here, in a shape src/detectors/network reads
    const fw = s.firewall;
    assert.ok(fw.nft !== undefined || fw.notes?.some((n) => n.startsWith('nft ')), JSON.stringify(fw.notes));
    const parsed = [
      ...(fw.nft !== undefined ? [parseNft(fw.nft)] : []),
      ...(fw.iptables !== undefined ? [parseIptablesSave(fw.iptables, 'ipv4')] : []),
      ...(fw.ip6tables !== undefined ? [parseIptablesSave(fw.ip6tables, 'ipv6')] : []),
    ];
    assert.ok(parsed.length > 0, JSON.stringify(fw.notes));
    openFromInternet(parsed, 'ipv4');
    for (const [name, text] of Object.entries(fw)) if (name !== 'notes') assert.ok(Buffer.byteLength(text as string) <= FIREWALL_MAX_BYTES);
    for (const n of fw.notes ?? []) assert.match(n, /^(nft -j list ruleset|iptables-save|ip6tables-save): /);
    const files = await Promise.all(INSTANCE_ID_FILES.map((f) => readFile('/' + f, 'utf8').catch(() => undefined)));
    assert.equal(s.instanceId, parseInstanceId(files[0], files[1]));
    // the SFTP path runs the same script (in list mode): the same firewall and owners
    const b = await openSshHost(target, { method: 'sftp' });
    assert.deepEqual(b.firewall.notes, fw.notes);
    assert.equal(b.listening.find((l) => l.port === d.port)?.process, 'sshd');
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
  hostnet) m begin; m uname; printf 'h\\nx86_64\\n' >&2
    m "net tcp"; printf '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\\n   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0 100 0 0 10 0\\n' >&2
    m "who 0 "
    m "fw nft"; printf 'not json' >&2; m "fwexit nft 0"
    m "fw iptables"; head -c 4194400 /dev/zero | tr '\\000' '*' >&2; m "fwexit iptables 0"
    m "fw ip6tables"; printf '*filter\\n' >&2
    m "fw bogus"; printf 'x' >&2
    m "procs 99999"; printf '1 4242 evil\\033name\\n0 4242 zero\\nabc\\n2 999 other\\n' >&2
    m dmi; printf 'i-0123456789abcdef0\\nmore' >&2
    m cloudid; printf 'i-0abc1234\\n' >&2
    m tar; printf '@@%s tar\\n' "$N"; m "exit 0"; m end ;;
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

  it('validates what a host says about its firewall, processes and instance id', async () => {
    await mode('hostnet');
    const s = await openSshHost(target);
    assert.deepEqual(s.listening, [{ protocol: 'tcp', address: '0.0.0.0', port: 22, uid: 0, inode: 4242, pid: 1, process: 'evilname' }]);
    assert.equal(s.listeningNote, '/proc/net/tcp6 not readable; /proc/net/udp not readable; /proc/net/udp6 not readable; processes: only the first 4096 of 99999 /proc/<pid> were looked at');
    assert.deepEqual(s.firewall, { notes: [
      'nft -j list ruleset: the output is not nft\'s JSON ({"nftables": [...]}); left out',
      `iptables-save: printed more than ${FIREWALL_MAX_BYTES} bytes; left out`,
      'ip6tables-save: the output was cut short (no exit status); left out',
    ] });
    assert.equal(s.instanceId, 'i-0abc1234', 'the asset tag was not one id alone; cloud-init\'s file was');
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
