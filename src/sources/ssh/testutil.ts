/**
 * A real OpenSSH server for tests: a private sshd (its own config, host key, authorized key, port)
 * started as a child process and stopped by its pid. Needs root (sshd's privilege separation) and
 * /usr/sbin/sshd; `sshdUnavailable()` says why a test must skip.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, chmod, copyFile, link, mkdir, mkdtemp, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { HOW, needsAll } from '../../../test/helpers/prereq.ts';

const run = promisify(execFile);
export const SSHD = '/usr/sbin/sshd';

export interface TestSshd {
  host: string;
  port: number;
  username: string;
  /** OpenSSH private key the server accepts */
  clientKey: string;
  /** a key the server does not accept */
  otherKey: string;
  /** "SHA256:…" of the server's host key, from ssh-keygen -l */
  hostKeyFingerprint: string;
  pid: number;
  stop(): Promise<void>;
}

/** Why sshd tests cannot run here, or false; in CI a missing prerequisite throws (test/helpers/prereq.ts). */
export function sshdUnavailable(): string | false {
  return needsAll([
    [SSHD, existsSync(SSHD), HOW.apt('openssh-server')],
    ['root', process.getuid?.() === 0, 'sshd needs root for privilege separation and for logging in as root'],
  ]);
}

async function keygen(file: string): Promise<void> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'vigil-test', '-f', file]);
}

/** A port free on 127.0.0.1 right now (sshd has no "port 0"). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection({ host: '127.0.0.1', port });
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/**
 * Starts sshd on a free 127.0.0.1 port; `chroot` makes every session run inside that directory,
 * `forceCommand` replaces whatever the client asks to run (a host that answers with its own bytes).
 */
export async function startSshd(opts: { chroot?: string; forceCommand?: string; noSftp?: boolean } = {}): Promise<TestSshd> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-sshd-'));
  try {
    await keygen(join(dir, 'host_key'));
    await keygen(join(dir, 'client_key'));
    await keygen(join(dir, 'other_key'));
    await writeFile(join(dir, 'authorized_keys'), await readFile(join(dir, 'client_key.pub')));
    const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'host_key.pub')]);
    const hostKeyFingerprint = stdout.split(/\s+/)[1];
    await mkdir('/run/sshd', { recursive: true });
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      const cfg = [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${join(dir, 'host_key')}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        'UsePAM no',
        'StrictModes no',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        ...(opts.noSftp ? [] : ['Subsystem sftp internal-sftp']),
        'LogLevel ERROR',
        ...(opts.chroot ? [`ChrootDirectory ${opts.chroot}`] : []),
        ...(opts.forceCommand ? [`ForceCommand ${opts.forceCommand}`] : []),
        '',
      ].join('\n');
      await writeFile(join(dir, 'sshd_config'), cfg);
      const child: ChildProcess = spawn(SSHD, ['-f', join(dir, 'sshd_config'), '-D', '-e'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      let exited = false;
      const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
      for (let i = 0; i < 200 && !exited && !(await canConnect(port)); i++) await new Promise((r) => setTimeout(r, 50));
      if (exited || child.pid === undefined) {
        if (attempt < 3 && /Address already in use/.test(stderr)) continue;
        throw new Error(`sshd did not start: ${stderr.trim()}`);
      }
      const pid = child.pid;
      return {
        host: '127.0.0.1',
        port,
        username: 'root',
        clientKey: await readFile(join(dir, 'client_key'), 'utf8'),
        otherKey: await readFile(join(dir, 'other_key'), 'utf8'),
        hostKeyFingerprint,
        pid,
        async stop() {
          if (!exited) {
            process.kill(pid, 'SIGTERM');
            await exit;
          }
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * A read-only bind mount of `source` at a fresh directory under /run (sshd's ChrootDirectory must
 * be root-owned with no group/other-writable component, which rules out /tmp).
 * @throws when mounting is not permitted (the caller skips)
 */
export async function readOnlyBind(source: string): Promise<{ path: string; unmount(): Promise<void> }> {
  const path = await mkdtemp('/run/vigil-chroot-');
  try {
    await run('mount', ['--bind', source, path]);
  } catch (err) {
    await rmdir(path).catch(() => undefined);
    throw err;
  }
  const unmount = async () => {
    await run('umount', [path]).catch(() => run('umount', ['-l', path]));
    await rmdir(path);
  };
  try {
    await run('mount', ['-o', 'remount,bind,ro', path]);
  } catch (err) {
    await unmount();
    throw err;
  }
  return { path, unmount };
}

/**
 * A read-only overlay of `top` over `base` at a fresh directory under /run (as readOnlyBind, for
 * ChrootDirectory): a root that is `base` with `top`'s files added or replacing its own (a
 * character device 0/0 in `top` hides that path of `base`, overlayfs's whiteout). Neither
 * directory is written.
 * @throws when mounting is not permitted (the caller skips)
 */
export async function readOnlyOverlay(top: string, base: string): Promise<{ path: string; unmount(): Promise<void> }> {
  const path = await mkdtemp('/run/vigil-chroot-');
  try {
    // two lower layers and no upper one: overlayfs mounts it read-only
    await run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${top}:${base}`, path]);
  } catch (err) {
    await rmdir(path).catch(() => undefined);
    throw err;
  }
  return {
    path,
    async unmount() {
      await run('umount', [path]).catch(() => run('umount', ['-l', path]));
      await rmdir(path);
    },
  };
}

/** this machine's runtimes (tests skip a kind whose binary is absent) → where they are planted */
export const RUNTIME_PLANTS: [from: string, to: string][] = [
  ['/usr/bin/node', 'usr/local/bin/node'],
  ['/usr/bin/node', 'usr/bin/node'],
  ['/usr/bin/python3.11', 'srv/py/bin/python3.11'],
  ['/usr/lib/jvm/temurin-25-jdk-amd64/bin/java', 'opt/java/openjdk/bin/java'],
  ['/usr/lib/jvm/temurin-25-jdk-amd64/release', 'opt/java/openjdk/release'],
  ['/usr/lib/go-1.19/bin/go', 'usr/local/go/bin/go'],
  ['/usr/lib/go-1.19/VERSION', 'usr/local/go/VERSION'],
  ['/usr/lib/x86_64-linux-gnu/libssl.so.3', 'opt/app/lib/libssl.so.3'],
  ['/usr/lib/x86_64-linux-gnu/libcrypto.so.3', 'opt/app/lib/libcrypto.so.3'],
  // an OS-owned copy (the dpkg list below names it): never reported, never read
  ['/usr/bin/python3.11', 'usr/bin/python3.11'],
];

/**
 * Plants this machine's runtimes (RUNTIME_PLANTS, hard links where possible) into a copy of a Debian root, and a dpkg
 * list that owns the /usr/bin/python3.11 copy (runtimes.test.ts, bench/host-runtimes.ts).
 */
export async function plantRuntimes(root: string): Promise<void> {
  for (const [from, to] of RUNTIME_PLANTS) {
    if (!existsSync(from)) continue;
    await mkdir(dirname(join(root, to)), { recursive: true });
    // a hard link where the copy is on the same filesystem (node is 100 MB), else a copy
    await link(from, join(root, to)).catch(() => copyFile(from, join(root, to)));
  }
  await appendFile(join(root, 'var/lib/dpkg/info/python3.11-minimal:amd64.list'), '/usr/bin/python3.11\n');
}

/** A copy of a root filesystem behind an sshd chrooted into it (ChrootDirectory wants it root-owned, 0755). */
export interface ChrootedHost {
  copy: string;
  sshd: TestSshd;
  /** the SshTarget fields of the sshd (host, port, user, key, pinned host key) */
  target: { host: string; port: number; username: string; privateKey: string; hostKeyFingerprint: string };
  /** stops the sshd and removes the copy */
  stop(): Promise<void>;
}

/** Copies `root` to a fresh directory under /run named `prefix…`, lets `prepare` change it, and starts a chrooted sshd there. */
export async function chrootedCopy(root: string, prefix: string, prepare: (copy: string) => Promise<void>): Promise<ChrootedHost> {
  const copy = await mkdtemp(join('/run', prefix));
  try {
    await chmod(copy, 0o755);
    await run('cp', ['-a', `${root}/.`, copy]);
    await prepare(copy);
    const sshd = await startSshd({ chroot: copy });
    return {
      copy, sshd,
      target: { host: sshd.host, port: sshd.port, username: sshd.username, privateKey: sshd.clientKey, hostKeyFingerprint: sshd.hostKeyFingerprint },
      async stop() {
        await sshd.stop();
        await rm(copy, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await rm(copy, { recursive: true, force: true });
    throw e;
  }
}
