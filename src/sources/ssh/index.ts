/**
 * Agentless host scanning over SSH: one connection, one exec channel running a fixed POSIX sh
 * script (remote.ts) that streams a tar of the package databases and release files and prints
 * the kernel's socket tables; SFTP reads the same files when the host has no tar or no shell.
 * The result is a ScanFS holding only those files (in memory, within the limits), plus the host
 * key, hostname, machine id and listening sockets. The connection is closed before returning.
 * Everything the host sends is hostile input: names go through vfs/ rules, only wanted paths are
 * kept, and sizes, totals and time are bounded.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Client, ClientChannel, ConnectConfig, SFTPWrapper, Stats } from 'ssh2';
import { VigilError } from '../../model/index.ts';
import { TargetPolicy } from '../../policy/index.ts';
import { TarError, TarReader, type ChunkSource } from '../image/tar.ts';
import { DEFAULT_SOURCE_LIMITS, type ContentFilter, type FileInfo, type FileReader, type ScanFS, type SourceLimits } from '../types.ts';
import { DEEP_LABEL, DEEP_RULES, DEFAULT_DEEP_LIMITS, deepCatScript, deepListScript, deepTarScript, inspectionPathsWith, parseDeepListMarkers, parseDeepListing, runtimePathsWith, type DeepLimits } from './deep.ts';
import { ErrorLog, Tree, TreeFS, normalizeEntryName, normalizeLookupPath, type TreeNode } from '../vfs/index.ts';
import type { Content } from '../vfs/tree.ts';
import { isBigEndianMachine, parseProcNet, sortSockets, type ListeningSocket, type SocketProtocol } from './proc-net.ts';
import { HOST_DIRS, HOST_FILES, SECRET_PRUNED, hostFilesToRead, isWantedPath, normalizeSecretPaths, parseScriptOutput, parseSecretsOutput, scriptSections, secretPathFilter, secretsScript, snapshotScript } from './remote.ts';
import { wantsContent } from '../../detectors/secrets/fs.ts';
import { FIREWALL_COMMANDS, FIREWALL_NAMES, INSTANCE_ID_FILES, MAX_PIDS_SCANNED, firewallOf, parseInstanceId, parseOwnerLines, withOwners, type HostFirewall } from './hostnet.ts';

export { parseProcNet, parseEndpoint, formatIPv6, type ListeningSocket, type SocketProtocol } from './proc-net.ts';
export { HOST_FILES, HOST_DIRS, hostFilesToRead, isWantedPath, DEFAULT_HOST_SECRET_PATHS, MAX_SECRET_PATHS, MAX_SECRET_PATH_CHARS, SECRET_PRUNED, checkSecretPath, normalizeSecretPaths, secretPathFilter, shQuote } from './remote.ts';
export * from './hostnet.ts';
export * from './deep.ts';
export { openSshCisHost, cisScript, parseCisOutput, parseProcSys, parseUnits, isCisPath, isCisWithheld, CIS_CONTENT_ROOTS, CIS_METADATA_ONLY, CIS_WITHHELD, CIS_ANCESTORS, MAX_FS_LISTED, type SshCisSnapshot, type CisScriptOutput } from './cis.ts';

export interface SshTarget {
  host: string;
  /** default 22 */
  port?: number;
  username: string;
  /** OpenSSH, PEM or PPK private key */
  privateKey?: string | Buffer;
  passphrase?: string;
  password?: string;
  /**
   * Expected host key, "SHA256:<base64>" as `ssh-keygen -l` prints it. When given, any other key
   * is refused (rule "host-key-mismatch"); when absent the key is accepted and reported.
   */
  hostKeyFingerprint?: string;
  /** time to reach the host and finish the SSH handshake and authentication, default 20 s */
  readyTimeoutMs?: number;
}

export interface SshLimits extends SourceLimits {
  /** bytes of the script's text output (socket tables, messages) */
  maxTextBytes: number;
  /** the whole snapshot, connection to close */
  timeoutMs: number;
  /** secretPaths: files read at most (the rest noted) */
  maxSecretFiles: number;
  /** secretPaths: a larger file is not sent (the secrets scanner's own limit) */
  maxSecretFileBytes: number;
  /** secretPaths: bytes read in all (the rest noted) */
  maxSecretBytes: number;
  /** secretPaths: time for the walk and transfer; what arrived by then is kept, the rest noted */
  secretsTimeoutMs: number;
  /** deep inspection (issue 20): files listed, wanted files and bytes read, time; past each a DEEP_RULES error */
  deep: DeepLimits;
}

/** Smaller than the image defaults: everything is held in memory and only databases are read. */
export const DEFAULT_SSH_LIMITS: SshLimits = {
  ...DEFAULT_SOURCE_LIMITS,
  maxFileBytes: 256 * 1024 * 1024,
  maxTotalBytes: 1024 * 1024 * 1024,
  maxEntries: 100_000,
  maxTextBytes: 32 * 1024 * 1024,
  timeoutMs: 10 * 60 * 1000,
  maxSecretFiles: 20_000,
  maxSecretFileBytes: 5 * 1024 * 1024,
  maxSecretBytes: 256 * 1024 * 1024,
  secretsTimeoutMs: 3 * 60 * 1000,
  deep: DEFAULT_DEEP_LIMITS,
};

export interface SshOptions {
  limits?: Partial<SshLimits>;
  /** "auto" (default): tar over exec, SFTP when the host has no tar or no shell; "sftp": SFTP only */
  method?: 'auto' | 'sftp';
  /**
   * The target policy the connection goes through: the host is resolved once, checked, and the
   * socket opened to that address (default: the operator's, which allows everything). Tenants get
   * one "unreachable" for every failure before the SSH handshake completes.
   */
  policy?: TargetPolicy;
  /**
   * Absolute directories whose regular text files the secrets scanner reads (DEFAULT_HOST_SECRET_PATHS
   * is the engine's default; absent: none). They are walked on the host without following symlinks
   * or entering other filesystems, within maxSecretFiles / maxSecretFileBytes / maxSecretBytes /
   * secretsTimeoutMs, into the snapshot's tree; `secretsFs` is the view of them (scan it with
   * `scanSecrets(snap.secretsFs)`), `fs` keeps showing the inventory's files only.
   * @throws VigilError VIGIL_INVALID_INPUT "secret-paths" for a relative, un-normalised or otherwise bad one
   */
  secretPaths?: readonly string[];
  /**
   * Deep inspection (issue 20): the files `filter` wants (contentFilterFor of the language
   * extractors) under DEFAULT_DEEP_INSPECTION_PATHS plus `paths`, read into `fs` for the inventory
   * (bounded by `limits.deep`; a bound hit is a DEEP_RULES error). Absent: the package databases only.
   * `runtimes` (contentFilterFor of the runtime extractors): the files it wants under the same
   * directories plus RUNTIME_INSPECTION_PATHS are not transferred but listed in `fs` and read from
   * the host only as far as a reader goes (`readChunks`; whole with `readFile`), within
   * `limits.deep.maxRuntime*`: the connection then stays open until `fs.close()`.
   * @throws VigilError VIGIL_INVALID_INPUT "inspection-paths" for a bad directory
   */
  deepInspection?: { paths?: readonly string[]; filter: ContentFilter; runtimes?: ContentFilter };
}

export interface SshHostSnapshot {
  /** the files Vigil's OS extraction reads (release files, dpkg/apk/rpm databases, dpkg file lists) */
  fs: ScanFS;
  /** "SHA256:<base64>" of the key the host presented */
  hostKeyFingerprint: string;
  /** "ssh-ed25519", "ecdsa-sha2-nistp256", "rsa-sha2-512"/"ssh-rsa", … */
  hostKeyType: string;
  /** the kernel's node name (uname -n), else /etc/hostname, else the target host */
  hostname: string;
  /** /etc/machine-id when present and well-formed */
  machineId?: string;
  /** uname -m */
  arch?: string;
  /** sockets with `pid` and `process` when the login is root (socket inodes matched in /proc/<pid>/fd) */
  listening: ListeningSocket[];
  /** with `secretPaths`: the directories walked (normalised), how it was read, files and bytes held */
  secrets?: { paths: string[]; method: 'tar' | 'sftp'; files: number; bytes: number };
  /**
   * With `secretPaths`: the files under them (the snapshot's own files there included, the package
   * databases not), for `scanSecrets(snap.secretsFs)`; its `errors` are the secrets walk's notes.
   * `fs` stays what it was without secretPaths (the inventory's files only), so the inventory
   * (even with every extractor) never sees a file read for secrets.
   */
  secretsFs?: ScanFS;
  /** why `listening` is empty or partial (no /proc/net in a chroot, unreadable tables, bad lines, processes not resolved) */
  listeningNote?: string;
  /** the host firewall as its tools print it, each text at most 4 MiB; `notes` says why one is missing */
  firewall: HostFirewall;
  /** the EC2 instance id (DMI asset tag, else cloud-init's instance-id file), when the host is one */
  instanceId?: string;
  /**
   * with deepInspection: the directories (normalised), files listed under them, wanted, and read
   * (files, bytes); with `runtimes`: the runtime directories, the binaries listed for reading on
   * demand, and (live, as they are read) the bytes read of them
   */
  deepInspection?: { paths: string[]; listed: number; wanted: number; files: number; bytes: number; runtimePaths?: string[]; runtimeFiles?: number; readonly runtimeBytes?: number };
  /** how the files came: one tar stream, or SFTP reads */
  method: 'tar' | 'sftp';
  stats: { files: number; bytes: number; ms: number };
}

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}=?$/;

/** "SHA256:<base64 without padding>" of a public key blob, as ssh-keygen -l prints it. */
export function fingerprintOf(keyBlob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '');
}

function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const n = keyBlob.readUInt32BE(0);
  return n > 0 && n < 64 && keyBlob.length >= 4 + n ? keyBlob.toString('latin1', 4, 4 + n) : 'unknown';
}

/** @internal (cis.ts) */
export function refOf(t: SshTarget): string {
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  return `ssh://${t.username}@${host}:${t.port ?? 22}`;
}

/**
 * Connects, reads the host, disconnects.
 * @throws VigilError VIGIL_INVALID_INPUT (bad target: rules "ssh-target", "host-key-fingerprint", "private-key"),
 *   VIGIL_NETWORK ("unreachable", "host-key-mismatch", "handshake-failed", "connection-lost", "timeout", "remote-command"),
 *   VIGIL_UNAUTHORIZED ("auth-failed"), VIGIL_LIMIT_EXCEEDED ("too-much-output")
 */
export async function openSshHost(target: SshTarget, opts: SshOptions = {}): Promise<SshHostSnapshot> {
  const limits: SshLimits = { ...DEFAULT_SSH_LIMITS, ...opts.limits, deep: { ...DEFAULT_SSH_LIMITS.deep, ...opts.limits?.deep } };
  validateTarget(target);
  let deep: DeepOpts | undefined;
  if (opts.deepInspection) {
    try {
      const custom = opts.deepInspection.paths ?? [];
      const rt = opts.deepInspection.runtimes;
      deep = { paths: inspectionPathsWith(custom), filter: opts.deepInspection.filter, ...(rt ? { runtimes: { paths: runtimePathsWith(custom), filter: rt } } : {}) };
    } catch (err) {
      throw new VigilError('VIGIL_INVALID_INPUT', `ssh target ${JSON.stringify(`${target.username}@${target.host}`)}: ${(err as Error).message}`, { input: 'inspectionPaths', rule: 'inspection-paths' });
    }
  }
  let secretPaths: string[] | undefined;
  if (opts.secretPaths !== undefined) {
    try {
      secretPaths = normalizeSecretPaths(opts.secretPaths);
    } catch (err) {
      throw new VigilError('VIGIL_INVALID_INPUT', `ssh target ${JSON.stringify(`${target.username}@${target.host}`)}: ${(err as Error).message}`, { input: 'secretPaths', rule: 'secret-paths' });
    }
  }
  const ref = refOf(target);
  const started = performance.now();
  const { conn, fingerprint, keyType } = await connect(target, ref, opts.policy ?? TargetPolicy.operator());
  let timer: NodeJS.Timeout | undefined;
  // runtime binaries left on the host to be read on demand: the connection outlives this call, until fs.close()
  const life: Life = { keep: false, end: () => conn.end() };
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new VigilError('VIGIL_NETWORK', `${ref}: the snapshot took longer than ${limits.timeoutMs} ms; connection closed`, { input: ref, rule: 'timeout' }));
        conn.destroy();
      }, limits.timeoutMs);
    });
    const lost = new Promise<never>((_, reject) => {
      conn.on('error', (err: Error) => reject(new VigilError('VIGIL_NETWORK', `${ref}: connection lost: ${err.message}`, { input: ref, rule: 'connection-lost', cause: err })));
      conn.on('close', () => reject(new VigilError('VIGIL_NETWORK', `${ref}: the host closed the connection during the snapshot`, { input: ref, rule: 'connection-lost' })));
    });
    lost.catch(() => undefined);
    timeout.catch(() => undefined);
    const snap = await Promise.race([snapshot(conn, ref, target, limits, opts.method ?? 'auto', secretPaths, deep, life), timeout, lost]);
    const ms = Math.round(performance.now() - started);
    return { ...snap, hostKeyFingerprint: fingerprint, hostKeyType: keyType, stats: { ...snap.stats, ms } };
  } finally {
    clearTimeout(timer);
    conn.removeAllListeners('close');
    conn.removeAllListeners('error');
    // an error after this point (a late reset) has nobody to report to
    conn.on('error', () => undefined);
    if (!life.keep) conn.end();
    else {
      // never held open past the runtime reads' time, whatever the caller does
      const hard = setTimeout(() => life.end(), limits.deep.runtimeTimeoutMs + 1000);
      hard.unref();
      const end = life.end;
      life.end = () => {
        clearTimeout(hard);
        end();
      };
      conn.once('close', () => (life.closed = true));
    }
  }
}

/** Whether the connection stays open after the snapshot (runtime binaries read on demand) and how it ends. */
interface Life {
  keep: boolean;
  end: () => void;
  closed?: boolean;
}

interface DeepOpts {
  paths: string[];
  filter: ContentFilter;
  runtimes?: { paths: string[]; filter: ContentFilter };
}

/** @internal (cis.ts) */
export function validateTarget(t: SshTarget): void {
  const bad = (rule: string, msg: string) => new VigilError('VIGIL_INVALID_INPUT', `ssh target ${JSON.stringify(`${t.username}@${t.host}`)}: ${msg}`, { input: t.host, rule });
  if (typeof t.host !== 'string' || t.host === '' || /[\s\0/]/.test(t.host)) throw bad('ssh-target', 'host must be a host name or address');
  if (typeof t.username !== 'string' || t.username === '' || /[\s\0]/.test(t.username)) throw bad('ssh-target', 'username is required and has no spaces');
  if (t.port !== undefined && !(Number.isInteger(t.port) && t.port > 0 && t.port < 65536)) throw bad('ssh-target', `port ${t.port} is not 1-65535`);
  if (!t.privateKey && !t.password) throw bad('ssh-target', 'a private key or a password is required');
  if (t.hostKeyFingerprint !== undefined && !FINGERPRINT.test(t.hostKeyFingerprint.trim())) {
    throw bad('host-key-fingerprint', `expected host key ${JSON.stringify(t.hostKeyFingerprint)} is not "SHA256:<43 base64 characters>" as ssh-keygen -l prints`);
  }
}

/** @internal (cis.ts): the one way this source opens a connection (policy, host-key pinning, error rules) */
export async function connect(target: SshTarget, ref: string, policy: TargetPolicy): Promise<{ conn: Client; fingerprint: string; keyType: string }> {
  const readyTimeout = target.readyTimeoutMs ?? 20_000;
  const started = Date.now();
  // the socket comes from the policy (resolved once, checked, connected to that address); ssh2 never resolves or connects itself
  const ssh2 = (await import('ssh2')).default;
  const sock = await policy.connect(target.host, target.port ?? 22, { timeoutMs: readyTimeout, subject: ref });
  // a host that hung up at once: ssh2 would wait for events that already happened
  if (sock.destroyed || sock.readyState !== 'open') {
    sock.destroy();
    throw policy.unrestricted ? new VigilError('VIGIL_NETWORK', `${ref}: the host closed the connection before authentication finished`, { input: ref, rule: 'unreachable' }) : policy.unreachable(ref, new Error('closed at once'));
  }
  const conn: Client = new ssh2.Client();
  const expected = target.hostKeyFingerprint?.trim().replace(/=$/, '');
  let seen: { fingerprint: string; keyType: string } | undefined;
  const config: ConnectConfig = {
    sock,
    host: target.host,
    port: target.port ?? 22,
    username: target.username,
    readyTimeout: Math.max(1, readyTimeout - (Date.now() - started)),
    hostVerifier: (key: Buffer) => {
      seen = { fingerprint: fingerprintOf(key), keyType: keyTypeOf(key) };
      return expected === undefined || seen.fingerprint === expected;
    },
  };
  if (target.privateKey) config.privateKey = target.privateKey;
  if (target.passphrase) config.passphrase = target.passphrase;
  if (target.password) config.password = target.password;
  return new Promise((resolve, reject) => {
    const detach = () => {
      conn.removeListener('ready', onReady);
      conn.removeListener('error', onError);
      conn.removeListener('close', onClose);
      // errors after this point are reported by whoever uses the connection; never an unhandled 'error'
      conn.on('error', () => undefined);
    };
    const fail = (err: VigilError) => {
      detach();
      conn.end();
      reject(err);
    };
    const onReady = () => {
      detach();
      // many small SFTP requests would otherwise wait on Nagle and delayed ACKs (40 ms each)
      conn.setNoDelay(true);
      resolve({ conn, fingerprint: seen?.fingerprint ?? 'unknown', keyType: seen?.keyType ?? 'unknown' });
    };
    const onError = (err: Error & { level?: string; code?: string }) => {
      if (seen && expected !== undefined && seen.fingerprint !== expected) {
        fail(new VigilError('VIGIL_NETWORK', `${ref}: host key ${seen.fingerprint} (${seen.keyType}) is not the expected ${expected}; refusing to connect`, { input: ref, rule: 'host-key-mismatch', cause: err }));
      } else if (err.level === 'client-authentication') {
        fail(new VigilError('VIGIL_UNAUTHORIZED', `${ref}: authentication failed (${err.message})`, { input: ref, rule: 'auth-failed', cause: err }));
      } else if (!policy.unrestricted) {
        // tenants: no SSH server answering properly looks the same whatever the port did
        fail(policy.unreachable(ref, err));
      } else if (err.level === 'client-timeout') {
        fail(new VigilError('VIGIL_NETWORK', `${ref}: unreachable: no SSH handshake within ${readyTimeout} ms`, { input: ref, rule: 'unreachable', cause: err }));
      } else if (err.level === 'client-socket' || err.level === 'client-dns' || err.code) {
        fail(new VigilError('VIGIL_NETWORK', `${ref}: unreachable: ${err.code ?? err.message}`, { input: ref, rule: 'unreachable', cause: err }));
      } else {
        fail(new VigilError('VIGIL_NETWORK', `${ref}: SSH handshake failed: ${err.message}`, { input: ref, rule: 'handshake-failed', cause: err }));
      }
    };
    const onClose = () => fail(policy.unrestricted ? new VigilError('VIGIL_NETWORK', `${ref}: the host closed the connection before authentication finished`, { input: ref, rule: 'unreachable' }) : policy.unreachable(ref, new Error('closed before authentication')));
    conn.on('ready', onReady);
    conn.on('error', onError);
    conn.on('close', onClose);
    try {
      conn.connect(config);
    } catch (err) {
      // ssh2 parses the key synchronously: a bad key, or an encrypted one without its passphrase
      fail(new VigilError('VIGIL_INVALID_INPUT', `${ref}: cannot use the private key: ${(err as Error).message}`, { input: ref, rule: 'private-key', cause: err }));
    }
  });
}

/** @internal (cis.ts) */
export interface Collected {
  tree: Tree;
  log: ErrorLog;
  files: number;
  bytes: number;
}

async function snapshot(conn: Client, ref: string, target: SshTarget, limits: SshLimits, method: 'auto' | 'sftp', secretPaths: string[] | undefined, deepOpts: DeepOpts | undefined, life: Life): Promise<Omit<SshHostSnapshot, 'hostKeyFingerprint' | 'hostKeyType'>> {
  const c: Collected = { tree: new Tree(), log: new ErrorLog(), files: 0, bytes: 0 };
  const nonce = randomBytes(12).toString('hex');
  let out = parseScriptOutput('', nonce);
  let used: 'tar' | 'sftp' = 'tar';
  let shellError: string | undefined;
  try {
    const r = await runScript(conn, ref, snapshotScript(nonce, method === 'sftp' ? 'list' : 'tar'), nonce, c, limits);
    out = parseScriptOutput(r.stderr, nonce);
    if (!out.ran) shellError = `the snapshot script did not run (exit ${r.code ?? 'none'}${r.stderr.trim() ? `: ${r.stderr.trim().slice(0, 200)}` : ''})`;
  } catch (err) {
    if (err instanceof VigilError) throw err;
    shellError = (err as Error).message;
  }

  if (shellError !== undefined || !out.tar) {
    // no shell (sftp-only account, forced command), no tar, or asked for: read the files over SFTP
    used = 'sftp';
    await sftpSnapshot(conn, ref, c, limits, out, shellError);
  } else {
    if (out.tar.exit === undefined) c.log.add('(tar)', 'truncated', `${ref}: the tar stream did not finish; files after the cut are missing`);
    else if (out.tar.exit !== 0) c.log.add('(tar)', 'remote-read-error', `${ref}: tar exited ${out.tar.exit}: ${out.tar.messages.slice(0, 2000) || 'no message'}`);
  }

  // deep inspection first: a file both want is the inventory's (the secrets walk skips what the tree holds)
  let deep: Awaited<ReturnType<typeof readDeep>> | undefined;
  if (deepOpts) deep = await readDeep(conn, ref, c, limits, deepOpts, used);
  if (deep?.stats.runtimeFiles) life.keep = true;

  let secrets: SshHostSnapshot['secrets'];
  if (secretPaths && secretPaths.length > 0) secrets = await readSecrets(conn, ref, c, limits, secretPaths, used);

  const { listening: sockets, note: socketNote } = socketsOf(out);
  const { listening, note } = ownersOf(out, sockets, socketNote);
  const firewall: HostFirewall = out.ran
    ? firewallOf(out.firewall, { root: out.who?.uid === 0, sudo: out.who?.sudo })
    : { notes: FIREWALL_NAMES.map((n) => `${FIREWALL_COMMANDS[n].join(' ')}: not run (no shell on the host; files read over SFTP only)`) };
  const read = async (p: string) => {
    const n = c.tree.lookup(p);
    return n?.kind === 'file' && n.content?.where === 'memory' ? n.content.data.toString('utf8') : undefined;
  };
  const mid = (await read('etc/machine-id'))?.trim();
  const hostname = out.unameN || (await read('etc/hostname'))?.trim().split('\n')[0] || target.host;
  const all = new TreeFS(c.tree, { kind: 'ssh', ref }, c.log, limits, async () => {
    if (life.keep) life.end();
  });
  let fs: ScanFS = all;
  let secretsFs: ScanFS | undefined;
  const deepHeld = deep?.held ?? new Set<string>();
  const deepDirs = new Set([...deepHeld].flatMap((p) => {
    const parts = p.split('/');
    return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
  }));
  const inventoryPath = (p: string) => isWantedPath(p) || deepHeld.has(p) || INVENTORY_DIRS.has(p) || deepDirs.has(p);
  if (secrets && secretPaths) {
    const inScope = secretPathFilter(secretPaths);
    const deepError = (path: string) => deep?.errorPaths.has(path) ?? false;
    const secretError = (e: { path: string }) => e.path === '(secrets)' || (inScope(e.path) && !isWantedPath(e.path) && !deepHeld.has(e.path) && !deepError(e.path));
    fs = viewFS(all, inventoryPath, (e) => !secretError(e));
    secretsFs = viewFS(all, inScope, secretError);
  }
  const snap: Omit<SshHostSnapshot, 'hostKeyFingerprint' | 'hostKeyType'> = { fs, hostname, listening, firewall, method: used, stats: { files: c.files, bytes: c.bytes, ms: 0 } };
  if (mid && /^[0-9a-f]{32}$/.test(mid)) snap.machineId = mid;
  const instanceId = parseInstanceId(out.dmiAssetTag, out.cloudInstanceId);
  if (instanceId) snap.instanceId = instanceId;
  if (out.unameM) snap.arch = out.unameM;
  if (note) snap.listeningNote = note;
  if (secrets) snap.secrets = secrets;
  if (secretsFs) snap.secretsFs = secretsFs;
  if (deep) snap.deepInspection = deep.stats;
  // the runtime binaries are read from now on (the inventory), within their own time
  if (deep?.stats.runtimeFiles) deep.budget.deadline = Date.now() + limits.deep.runtimeTimeoutMs;
  return snap;
}

function socketsOf(out: ReturnType<typeof parseScriptOutput>): { listening: ListeningSocket[]; note?: string } {
  if (out.net.size === 0) return { listening: [], note: 'no readable /proc/net/{tcp,tcp6,udp,udp6} on the host (a chroot or container without /proc, or not Linux)' };
  const le = !out.unameM || !isBigEndianMachine(out.unameM);
  const all: ListeningSocket[] = [];
  const notes: string[] = [];
  for (const proto of ['tcp', 'tcp6', 'udp', 'udp6'] as SocketProtocol[]) {
    const text = out.net.get(proto);
    if (text === undefined) {
      notes.push(`/proc/net/${proto} not readable`);
      continue;
    }
    const { sockets, problems } = parseProcNet(proto, text, le);
    all.push(...sockets);
    if (problems.length) notes.push(`/proc/net/${proto}: ${problems.length} unreadable line(s), first at line ${problems[0].line}: ${problems[0].message}`);
  }
  const r: { listening: ListeningSocket[]; note?: string } = { listening: sortSockets(all) };
  if (notes.length) r.note = notes.join('; ');
  return r;
}

/** Names the sockets' processes from the script's "procs" section (root only), with a note when it could not. */
function ownersOf(out: ReturnType<typeof parseScriptOutput>, sockets: ListeningSocket[], note: string | undefined): { listening: ListeningSocket[]; note?: string } {
  const notes = note ? [note] : [];
  let listening = sockets;
  if (sockets.length > 0) {
    if (out.procs) {
      listening = withOwners(sockets, parseOwnerLines(out.procs.lines));
      if (out.procs.pids > MAX_PIDS_SCANNED) notes.push(`processes: only the first ${MAX_PIDS_SCANNED} of ${out.procs.pids} /proc/<pid> were looked at`);
    } else if (out.ran && out.who?.uid !== 0) notes.push('processes not resolved: /proc/<pid>/fd of other users needs root');
    else if (out.ran) notes.push('processes not resolved: no awk, xargs or head on the host');
    else notes.push('processes not resolved: no shell on the host');
  }
  return notes.length ? { listening, note: notes.join('; ') } : { listening };
}

/** Runs the script; stdout (the tar) goes into the tree as it arrives, stderr is returned. */
/** @internal (cis.ts) */
export function runScript(conn: Client, ref: string, script: string, nonce: string, c: Collected, limits: SshLimits, want: TarWant = snapshotWant(limits), onChannel?: (ch: ClientChannel) => void): Promise<{ stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    conn.exec('sh -s', (err, ch) => {
      if (err) return reject(err);
      const errChunks: Buffer[] = [];
      let errBytes = 0;
      let code: number | null = null;
      let tooMuch: VigilError | undefined;
      ch.stderr.on('data', (d: Buffer) => {
        errBytes += d.length;
        if (errBytes > limits.maxTextBytes) {
          tooMuch ??= new VigilError('VIGIL_LIMIT_EXCEEDED', `${ref}: the host printed more than ${limits.maxTextBytes} bytes of text (socket tables, messages)`, { input: ref, rule: 'too-much-output' });
          ch.close();
          return;
        }
        errChunks.push(d);
      });
      ch.on('exit', (c0: number | null) => {
        code = c0;
      });
      onChannel?.(ch);
      const tarDone = readTar(ch, ref, nonce, c, want);
      ch.on('close', () => {
        tarDone.then(() => (tooMuch ? reject(tooMuch) : resolve({ stderr: Buffer.concat(errChunks).toString('utf8'), code })));
      });
      ch.end(script);
    });
  });
}

class Stop extends Error {}

/** The channel's stdout as a ChunkSource for TarReader: noise before the marker skipped, bytes counted and capped. */
function channelSource(ch: ClientChannel, ref: string, marker: Buffer, c: Collected, want: TarWant): { src: ChunkSource; found: () => Promise<boolean>; discard: () => void } {
  const it = (ch as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  let wire = 0;
  let pending: Buffer | null = null;
  const pull = async (): Promise<Buffer | null> => {
    const r = await it.next();
    if (r.done) return null;
    wire += r.value.length;
    if (wire > want.maxWireBytes) {
      c.log.add(want.label, 'total-too-large', `${ref}: more than ${want.maxWireBytes} bytes sent${want.what}; the rest ignored`);
      throw new Stop();
    }
    return r.value;
  };
  return {
    discard() {
      // ssh2 emits the channel's 'close' only after its stdout ended, so what is still in flight
      // (at most one window) is read and dropped
      void (async () => {
        while (!(await it.next()).done);
      })().catch(() => undefined);
    },
    async found() {
      // up to 1 MiB of rc-file noise is tolerated before the marker
      let head = Buffer.alloc(0);
      for (;;) {
        const b = await pull();
        if (b === null) return false;
        head = Buffer.concat([head, b]);
        const at = head.indexOf(marker);
        if (at >= 0) {
          const rest = head.subarray(at + marker.length);
          pending = rest.length ? rest : null;
          return true;
        }
        if (head.length > 1024 * 1024) return false;
      }
    },
    src: {
      async next() {
        if (pending) {
          const p = pending;
          pending = null;
          return p;
        }
        for (;;) {
          const b = await pull();
          if (b === null || b.length > 0) return b;
        }
      },
    },
  };
}

/** What one tar stream may hold: the snapshot's files, or the secrets under the configured directories. */
/** @internal (cis.ts) */
export interface TarWant {
  /** '(tar)' or '(secrets)': the path of stream-wide errors */
  label: string;
  /** '' or ' for secrets' in messages */
  what: string;
  wanted: (path: string) => boolean;
  maxEntries: number;
  maxFileBytes: number;
  maxWireBytes: number;
  /** bytes of file content held, for this stream (the secrets cap); undefined: no cap but the wire's */
  maxHeldBytes?: number;
  /** the snapshot keeps links as the host sent them; secrets drop them (never followed) */
  links: 'keep' | 'drop';
  /** a path already in the tree (the snapshot read it) is skipped, not replaced */
  skipPresent: boolean;
  held: { files: number; bytes: number };
  /** set when the caller gave up waiting (time limit): nothing more goes into the tree */
  abandoned?: boolean;
  /** keep directories and the owner/group ids of every entry (a tar without -h whose metadata is checked: CIS) */
  keepMeta?: boolean;
}

function snapshotWant(limits: SshLimits): TarWant {
  return { label: '(tar)', what: '', wanted: isWantedPath, maxEntries: limits.maxEntries, maxFileBytes: limits.maxFileBytes, maxWireBytes: limits.maxTotalBytes, links: 'keep', skipPresent: false, held: { files: 0, bytes: 0 } };
}

/**
 * The stream of a bounded walk's files (secrets, deep inspection): at most `files` entries of at most
 * `fileBytes` each and `bytes` in all (the wire allows tar's headers and padding: 1.25 × the content
 * plus a block per file); links dropped, paths the snapshot read skipped.
 */
function walkWant(label: string, what: string, wanted: (path: string) => boolean, b: { files: number; fileBytes: number; bytes: number }): TarWant {
  return {
    label, what, wanted, maxEntries: b.files, maxFileBytes: b.fileBytes, maxWireBytes: Math.ceil(b.bytes * 1.25) + b.files * 1024, maxHeldBytes: b.bytes,
    links: 'drop', skipPresent: true, held: { files: 0, bytes: 0 },
  };
}

async function readTar(ch: ClientChannel, ref: string, nonce: string, c: Collected, want: TarWant): Promise<void> {
  const { src, found, discard } = channelSource(ch, ref, Buffer.from(`@@${nonce} tar\n`), c, want);
  let entries = 0;
  try {
    if (!(await found())) {
      // drain whatever else comes so the channel can close
      while ((await src.next()) !== null);
      return;
    }
    const reader = new TarReader(src);
    for (let h = await reader.next(); h !== null; h = await reader.next()) {
      if (want.abandoned) throw new Stop();
      const name = normalizeEntryName(h.name);
      if (!name.ok) {
        c.log.add(h.name, 'path-traversal', `${ref}: tar entry ${JSON.stringify(h.name)} refused (${name.reason})`);
        continue;
      }
      const path = name.path;
      if (path === '') continue;
      if (h.type === 'directory') {
        if (want.keepMeta && want.wanted(path)) await put(c, path, { kind: 'dir', size: 0, mode: 0o40000 | (h.mode & 0o7777), uid: h.uid, gid: h.gid, layerIndex: 0, children: new Map() });
        continue;
      }
      if (!want.wanted(path)) {
        c.log.add(path, 'unexpected-entry', `${ref}: the host sent ${path}, which was not asked for${want.what}; ignored`);
        continue;
      }
      if (want.skipPresent && c.tree.lookup(path)) continue;
      if (++entries > want.maxEntries) {
        c.log.add(path, 'too-many-entries', `${ref}: more than ${want.maxEntries} files${want.what}; the rest ignored`);
        throw new Stop();
      }
      const mode = h.mode;
      const ids = want.keepMeta ? { uid: h.uid, gid: h.gid } : {};
      if (h.type === 'file' || h.type === 'contiguous-file') {
        const node: TreeNode = { kind: 'file', size: h.size, mode: 0o100000 | (mode & 0o7777), ...ids, layerIndex: 0 };
        if (h.size > want.maxFileBytes) {
          c.log.add(path, 'file-too-large', `${path}: ${h.size} bytes, over the ${want.maxFileBytes}-byte limit${want.what}; listed, not read`);
          node.refused = { code: 'VIGIL_LIMIT_EXCEEDED', rule: 'file-too-large', message: `${h.size} bytes is over the ${want.maxFileBytes}-byte file limit${want.what}` };
        } else if (want.maxHeldBytes !== undefined && want.held.bytes + h.size > want.maxHeldBytes) {
          c.log.add(path, 'total-too-large', `${ref}: more than ${want.maxHeldBytes} bytes${want.what}; ${path} and the rest ignored`);
          throw new Stop();
        } else {
          const data = await reader.body();
          if (want.abandoned) throw new Stop();
          node.content = { where: 'memory', data, refs: 1 };
          c.bytes += data.length;
          want.held.bytes += data.length;
        }
        want.held.files++;
        await put(c, path, node);
      } else if (want.links === 'drop' && (h.type === 'symlink' || h.type === 'link')) {
        // the host's find lists no links and tar -h is not used: a link here is a race or a hostile host; never followed
        c.log.add(path, 'link-not-followed', `${path}: a ${h.type === 'link' ? 'hard' : 'symbolic'} link${want.what}; not followed`);
      } else if (h.type === 'symlink') {
        // tar -h dereferences; a link here came from a tar that ignored -h, or a hostile one
        await put(c, path, { kind: 'symlink', size: (h.linkname ?? '').length, mode: 0o120777, ...ids, linkTarget: h.linkname ?? '', layerIndex: 0 });
      } else if (h.type === 'link') {
        const to = normalizeEntryName(h.linkname ?? '');
        const target = to.ok ? c.tree.lookup(to.path) : null;
        if (!target || target.kind !== 'file') {
          c.log.add(path, 'bad-hardlink', `${path}: hard link to ${JSON.stringify(h.linkname)}, which is not a file sent before it`);
          continue;
        }
        if (target.content) target.content.refs++;
        await put(c, path, { ...target, layerIndex: 0 });
      } else {
        c.log.add(path, 'device-file', `${path}: a ${h.type ?? `type ${h.flag}`} entry, not a regular file; ignored`);
      }
    }
    // the end-of-archive blocks and anything after them
    while ((await src.next()) !== null);
  } catch (err) {
    if (err instanceof Stop) {
      ch.close();
      discard();
      return;
    }
    ch.close();
    discard();
    if (err instanceof TarError) c.log.add(want.label, 'parse-error', `${ref}: corrupt tar stream from the host: ${err.message}`);
    else c.log.add(want.label, 'connection-lost', `${ref}: reading the tar stream failed: ${(err as Error).message}`);
  }
}

/** @internal (cis.ts) */
export async function put(c: Collected, path: string, node: TreeNode): Promise<void> {
  const r = await c.tree.put(path, node);
  if (!r.ok) c.log.add(path, r.rule, `${path}: ${r.message}`);
  else if (node.kind === 'file') c.files++;
}

// ---- secrets under the configured directories --------------------------------------------------

/** Every directory above a file the inventory reads ("etc", "var", "var/lib", "var/lib/dpkg", …). */
const INVENTORY_DIRS: ReadonlySet<string> = new Set(
  [...HOST_FILES, ...HOST_DIRS.map((d) => `${d.dir}/x`)].flatMap((p) => {
    const parts = p.split('/');
    return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
  }),
);

/** A view of a ScanFS holding only the paths `keep` accepts (entries, stat, readFile) and the errors `keepError` accepts. */
function viewFS(base: ScanFS, keep: (path: string) => boolean, keepError: (e: { path: string }) => boolean): ScanFS {
  const norm = (p: string) => normalizeLookupPath(p);
  return {
    target: base.target,
    get errors() {
      return base.errors.filter(keepError);
    },
    async *entries() {
      for await (const e of base.entries()) if (keep(e.path)) yield e;
    },
    async stat(p) {
      const n = norm(p);
      return n !== null && keep(n) ? base.stat(n) : null;
    },
    async readFile(p) {
      const n = norm(p);
      if (n === null || !keep(n)) throw new VigilError('VIGIL_NOT_FOUND', `${base.target.ref}: ${p}: not in this snapshot`, { input: p, rule: 'not-found' });
      return base.readFile(n);
    },
    close: () => base.close(),
  };
}

/**
 * The regular files under `dirs` the secrets scanner wants, into the same tree: one more exec
 * channel running secretsScript (tar without -h), or an SFTP walk when the snapshot had to use
 * SFTP. Limits are notes (fs.errors), never a failed snapshot.
 */
async function readSecrets(conn: Client, ref: string, c: Collected, limits: SshLimits, dirs: string[], used: 'tar' | 'sftp'): Promise<NonNullable<SshHostSnapshot['secrets']>> {
  const inScope = secretPathFilter(dirs);
  const want = walkWant('(secrets)', ' for secrets', (p) => inScope(p) && wantsContent({ path: p, kind: 'file', size: 0 } as FileInfo, Number.POSITIVE_INFINITY),
    { files: limits.maxSecretFiles, fileBytes: limits.maxSecretFileBytes, bytes: limits.maxSecretBytes });
  const seconds = Math.max(1, Math.ceil(limits.secretsTimeoutMs / 1000));
  const walk = { maxFiles: limits.maxSecretFiles, maxFileBytes: limits.maxSecretFileBytes, seconds };
  let method: 'tar' | 'sftp' = used;
  if (used === 'tar') {
    const nonce = randomBytes(12).toString('hex');
    let channel: ClientChannel | undefined;
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    // at the limit the channel is closed and not waited for (a host may hold it open): what arrived stays
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        want.abandoned = true;
        channel?.close();
        reject(new Error('secrets timeout'));
      }, limits.secretsTimeoutMs);
    });
    late.catch(() => undefined);
    try {
      const r = await Promise.race([runScript(conn, ref, secretsScript(nonce, dirs, walk), nonce, c, limits, want, (ch) => (channel = ch)), late]);
      const out = parseSecretsOutput(r.stderr, nonce);
      if (!out.ran || !out.tar) method = 'sftp';
      else {
        for (const b of out.big) {
          const n = normalizeEntryName(b);
          if (n.ok && want.wanted(n.path)) c.log.add(n.path, 'file-too-large', `${n.path}: over the ${limits.maxSecretFileBytes}-byte limit for secrets; not read`);
        }
        if (out.tooMany) c.log.add('(secrets)', 'too-many-entries', `${ref}: more than ${limits.maxSecretFiles} files under ${dirs.join(', ')}; the rest not read`);
        if (timedOut) c.log.add('(secrets)', 'timeout', `${ref}: reading the files for secrets took longer than ${limits.secretsTimeoutMs} ms; the rest not read`);
        else if (out.tar.exit === 124 || out.walkTimeout) c.log.add('(secrets)', 'timeout', `${ref}: the host's ${out.walkTimeout ? 'find' : 'tar'} for secrets ran out of its ${seconds} s; the rest not read`);
        else if (out.tar.exit === undefined && !want.held.files) c.log.add('(secrets)', 'truncated', `${ref}: the tar stream for secrets did not finish`);
        // tar exits 1 when a file changed or vanished while read (a live host); its messages are kept short
        else if (out.tar.exit !== undefined && out.tar.exit > 1) c.log.add('(secrets)', 'remote-read-error', `${ref}: tar (secrets) exited ${out.tar.exit}: ${out.tar.messages.slice(0, 2000) || 'no message'}`);
      }
    } catch (err) {
      if (err instanceof VigilError && err.rule === 'too-much-output') c.log.add('(secrets)', 'too-much-output', `${ref}: ${err.message}`);
      else if (timedOut) c.log.add('(secrets)', 'timeout', `${ref}: reading the files for secrets took longer than ${limits.secretsTimeoutMs} ms; the rest not read`);
      else method = 'sftp';
    } finally {
      clearTimeout(timer);
    }
    // out of time: no second try over SFTP
    if (timedOut && method === 'sftp') {
      c.log.add('(secrets)', 'timeout', `${ref}: reading the files for secrets took longer than ${limits.secretsTimeoutMs} ms; not read`);
      method = 'tar';
    }
  }
  if (method === 'sftp') {
    // a hostile or stuck SFTP server may never answer: the walk is raced against the time limit and abandoned at it
    const stop = { stopped: false };
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), limits.secretsTimeoutMs + 1000)));
    try {
      const r = await Promise.race([sftpSecrets(conn, ref, c, limits, dirs, want, stop), late]);
      if (r === 'late') {
        stop.stopped = true;
        c.log.add('(secrets)', 'timeout', `${ref}: the host's SFTP server did not answer within ${limits.secretsTimeoutMs} ms; the files for secrets not read`);
      }
    } finally {
      clearTimeout(timer);
    }
  }
  return { paths: dirs, method, files: want.held.files, bytes: want.held.bytes };
}

/** The SFTP walk: readdir attributes are lstat's (a symlink is never descended into or read), breadth first, bounded. */
async function sftpSecrets(conn: Client, ref: string, c: Collected, limits: SshLimits, dirs: string[], want: TarWant, abandon: { stopped: boolean }): Promise<void> {
  let s: SFTPWrapper;
  try {
    s = await sftpOpen(conn);
  } catch (err) {
    c.log.add('(secrets)', 'remote-command', `${ref}: files for secrets not read: no shell with tar and no SFTP (${(err as Error).message})`);
    return;
  }
  const deadline = Date.now() + limits.secretsTimeoutMs;
  const pruned = new Set(SECRET_PRUNED);
  const files: string[] = [];
  let listed = 0;
  try {
    const queue = [...dirs];
    walk: while (queue.length && !abandon.stopped) {
      const dir = queue.shift()!;
      if (Date.now() > deadline) {
        c.log.add('(secrets)', 'timeout', `${ref}: listing the files for secrets took longer than ${limits.secretsTimeoutMs} ms; the rest not read`);
        break;
      }
      const entries = await new Promise<{ filename: string; attrs: Stats }[] | null>((resolve) => s.readdir(dir, (err, list) => resolve(err ? null : (list as unknown as { filename: string; attrs: Stats }[]))));
      if (!entries) continue;
      for (const e of entries) {
        if (e.filename === '.' || e.filename === '..' || e.filename.includes('/') || /[\0\n]/.test(e.filename)) continue;
        // a hostile server's readdir could name anything: bound what is looked at, not only what is kept
        if (++listed > limits.maxSecretFiles * 20) {
          c.log.add('(secrets)', 'too-many-entries', `${ref}: more than ${limits.maxSecretFiles * 20} directory entries under ${dirs.join(', ')}; the rest not read`);
          break walk;
        }
        const full = dir === '/' ? `/${e.filename}` : `${dir}/${e.filename}`;
        if (pruned.has(full)) continue;
        const mode = e.attrs.mode ?? 0;
        const type = mode & 0o170000;
        if (type === 0o040000) queue.push(full);
        else if (type === 0o100000) {
          const n = normalizeEntryName(full.slice(1));
          if (!n.ok || !want.wanted(n.path) || c.tree.lookup(n.path)) continue;
          if ((e.attrs.size ?? 0) > want.maxFileBytes) {
            c.log.add(n.path, 'file-too-large', `${n.path}: ${e.attrs.size} bytes, over the ${want.maxFileBytes}-byte limit for secrets; not read`);
            continue;
          }
          if (files.length >= want.maxEntries) {
            c.log.add('(secrets)', 'too-many-entries', `${ref}: more than ${want.maxEntries} files under ${dirs.join(', ')}; the rest not read`);
            break walk;
          }
          files.push(n.path);
        }
      }
    }
    let next = 0;
    let stop = false;
    const worker = async () => {
      while (!stop && next < files.length) {
        const p = files[next++];
        if (Date.now() > deadline) {
          if (!stop) c.log.add('(secrets)', 'timeout', `${ref}: reading the files for secrets took longer than ${limits.secretsTimeoutMs} ms; the rest not read`);
          stop = true;
          return;
        }
        // opened by name: a file swapped for a symlink since the listing would be followed, so lstat again just before
        const st = await new Promise<Stats | null>((resolve) => s.lstat('/' + p, (err, x) => resolve(err ? null : x)));
        if (!st || !st.isFile()) continue;
        const data = await sftpRead(s, '/' + p, want.maxFileBytes);
        if (data === null) {
          c.log.add(p, 'remote-read-error', `${ref}: ${p} could not be read over SFTP`);
          continue;
        }
        if (data === 'too-large') {
          c.log.add(p, 'file-too-large', `${p}: over the ${want.maxFileBytes}-byte limit for secrets; not read`);
          continue;
        }
        if (want.held.bytes + data.length > (want.maxHeldBytes ?? Infinity)) {
          c.log.add(p, 'total-too-large', `${ref}: more than ${want.maxHeldBytes} bytes for secrets; ${p} and the rest ignored`);
          stop = true;
          return;
        }
        if (abandon.stopped) return;
        want.held.bytes += data.length;
        want.held.files++;
        c.bytes += data.length;
        await put(c, p, { kind: 'file', size: data.length, mode: 0o100000 | (st.mode & 0o7777), layerIndex: 0, content: { where: 'memory', data, refs: 1 } });
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
  } finally {
    s.end();
  }
}

// ---- SFTP --------------------------------------------------------------------------------------

function sftpOpen(conn: Client): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => conn.sftp((err, s) => (err ? reject(err) : resolve(s))));
}

function sftpStat(s: SFTPWrapper, path: string): Promise<Stats | null> {
  return new Promise((resolve) => s.stat(path, (err, st) => resolve(err ? null : st)));
}

function sftpReaddir(s: SFTPWrapper, path: string): Promise<string[] | null> {
  return new Promise((resolve) => s.readdir(path, (err, list) => resolve(err ? null : list.map((e) => e.filename))));
}

/** Reads a file to its end (proc files report size 0), refusing past `max` bytes; null when unreadable. */
async function sftpRead(s: SFTPWrapper, path: string, max: number): Promise<Buffer | 'too-large' | null> {
  const handle = await new Promise<Buffer | null>((resolve) => s.open(path, 'r', (err, h) => resolve(err ? null : h)));
  if (!handle) return null;
  try {
    const chunks: Buffer[] = [];
    let pos = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(64 * 1024);
      const n = await new Promise<number>((resolve, reject) => s.read(handle, buf, 0, buf.length, pos, (err, got) => (err ? reject(err) : resolve(got))));
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      pos += n;
      if (pos > max) return 'too-large';
    }
    return Buffer.concat(chunks);
  } catch {
    return null;
  } finally {
    s.close(handle, () => undefined);
  }
}

async function sftpSnapshot(conn: Client, ref: string, c: Collected, limits: SshLimits, out: ReturnType<typeof parseScriptOutput>, shellError: string | undefined): Promise<void> {
  let s: SFTPWrapper;
  try {
    s = await sftpOpen(conn);
  } catch (err) {
    throw new VigilError('VIGIL_NETWORK', `${ref}: cannot read the host: ${shellError ?? 'the host has no tar'}, and SFTP is not available (${(err as Error).message})`, { input: ref, rule: 'remote-command', cause: err });
  }
  try {
    // which files exist: the script's list when it ran, else stat and readdir
    let paths: string[];
    if (out.files) paths = out.files.map((p) => normalizeEntryName(p)).flatMap((n) => (n.ok && isWantedPath(n.path) ? [n.path] : []));
    else {
      paths = [];
      const rpmLink = await new Promise<boolean>((resolve) => s.lstat('/var/lib/rpm', (err, st) => resolve(!err && st.isSymbolicLink())));
      for (const p of hostFilesToRead(rpmLink)) if ((await sftpStat(s, '/' + p))?.isFile()) paths.push(p);
      for (const { dir } of HOST_DIRS) {
        for (const name of (await sftpReaddir(s, '/' + dir)) ?? []) {
          const p = `${dir}/${name}`;
          if (!name.includes('/') && isWantedPath(p)) paths.push(p);
        }
      }
    }
    if (paths.length > limits.maxEntries) {
      c.log.add(paths[limits.maxEntries], 'too-many-entries', `${ref}: more than ${limits.maxEntries} files; the rest ignored`);
      paths = paths.slice(0, limits.maxEntries);
    }
    paths.sort();
    let next = 0;
    let stop = false;
    const worker = async () => {
      while (!stop && next < paths.length) {
        const p = paths[next++];
        const data = await sftpRead(s, '/' + p, limits.maxFileBytes);
        if (data === null) {
          c.log.add(p, 'remote-read-error', `${ref}: ${p} could not be read over SFTP`);
          continue;
        }
        if (data === 'too-large') {
          const st = await sftpStat(s, '/' + p);
          c.log.add(p, 'file-too-large', `${p}: over the ${limits.maxFileBytes}-byte limit; listed, not read`);
          await put(c, p, { kind: 'file', size: st?.size ?? limits.maxFileBytes + 1, mode: 0o100644, layerIndex: 0, refused: { code: 'VIGIL_LIMIT_EXCEEDED', rule: 'file-too-large', message: `over the ${limits.maxFileBytes}-byte file limit` } });
          continue;
        }
        if (c.bytes + data.length > limits.maxTotalBytes) {
          c.log.add(p, 'total-too-large', `${ref}: more than ${limits.maxTotalBytes} bytes read; the rest ignored`);
          stop = true;
          return;
        }
        c.bytes += data.length;
        await put(c, p, { kind: 'file', size: data.length, mode: 0o100644, layerIndex: 0, content: { where: 'memory', data, refs: 1 } });
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    // socket tables and the instance id files, when the script could not print them
    if (!out.ran) {
      for (const proto of ['tcp', 'tcp6', 'udp', 'udp6']) {
        const t = await sftpRead(s, `/proc/net/${proto}`, limits.maxTextBytes);
        if (Buffer.isBuffer(t)) out.net.set(proto, t.toString('utf8'));
      }
      const [dmi, cloud] = await Promise.all(INSTANCE_ID_FILES.map((f) => sftpRead(s, '/' + f, 256)));
      if (Buffer.isBuffer(dmi)) out.dmiAssetTag = dmi.toString('utf8');
      if (Buffer.isBuffer(cloud)) out.cloudInstanceId = cloud.toString('utf8');
    }
  } finally {
    s.end();
  }
}

// ---- deep inspection: language packages under default and configured directories (issue 20) -----

/** Runs a script whose stdout is text: both streams collected, stdout cut at `maxStdout` bytes (the channel is closed then). */
function runText(conn: Client, script: string, maxStdout: number, maxStderr: number, onChannel?: (ch: ClientChannel) => void): Promise<{ stdout: string; stderr: string; cut: boolean }> {
  return new Promise((resolve, reject) => {
    conn.exec('sh -s', (err, ch) => {
      if (err) return reject(err);
      const out: Buffer[] = [];
      const errs: Buffer[] = [];
      let outBytes = 0;
      let errBytes = 0;
      let cut = false;
      ch.on('data', (d: Buffer) => {
        if (cut) return;
        outBytes += d.length;
        if (outBytes > maxStdout) {
          cut = true;
          ch.close();
          return;
        }
        out.push(d);
      });
      ch.stderr.on('data', (d: Buffer) => {
        errBytes += d.length;
        if (errBytes <= maxStderr) errs.push(d);
      });
      onChannel?.(ch);
      ch.on('close', () => {
        let stdout = Buffer.concat(out).toString('utf8');
        // a cut listing ends in a partial line
        if (cut) stdout = stdout.slice(0, stdout.lastIndexOf('\n') + 1);
        resolve({ stdout, stderr: Buffer.concat(errs).toString('utf8'), cut });
      });
      ch.end(script);
    });
  });
}

/**
 * Deep inspection over the connection: a bounded `find -xdev` listing of `dirs`, the wanted files
 * picked here (`want`: the language extractors' content filter), then one `tar` of them into the
 * tree. Every bound is an error of the snapshot (DEEP_RULES, path DEEP_LABEL or the file's), never
 * a failed snapshot. Returns the paths held (relative) and the paths of its errors.
 */
async function readDeep(conn: Client, ref: string, c: Collected, limits: SshLimits, opts: DeepOpts, used: 'tar' | 'sftp'): Promise<{ held: Set<string>; errorPaths: Set<string>; stats: NonNullable<SshHostSnapshot['deepInspection']>; budget: RuntimeBudget }> {
  const { paths: dirs, filter: want, runtimes } = opts;
  const dl = limits.deep;
  const held = new Set<string>();
  const errorPaths = new Set<string>([DEEP_LABEL]);
  const budget: RuntimeBudget = { bytes: 0, deadline: 0 };
  const stats: NonNullable<SshHostSnapshot['deepInspection']> = { paths: dirs, listed: 0, wanted: 0, files: 0, bytes: 0 };
  if (runtimes) {
    stats.runtimePaths = runtimes.paths;
    stats.runtimeFiles = 0;
    // live: the binaries are read after the snapshot
    Object.defineProperty(stats, 'runtimeBytes', { get: () => budget.bytes, enumerable: true });
  }
  // the listing covers the runtime directories too (a superset of the language ones)
  const listDirs = runtimes?.paths ?? dirs;
  const note = (path: string, rule: string, message: string) => {
    errorPaths.add(path);
    c.log.add(path, rule, message);
  };
  if (used === 'sftp') {
    note(DEEP_LABEL, DEEP_RULES.unavailable, `${ref}: no shell with find and tar on the host; language packages under ${dirs.join(', ')} not inspected`);
    return { held, errorPaths, stats, budget };
  }
  const deadline = Date.now() + dl.timeoutMs;
  const secondsLeft = () => Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
  const late = (what: string) => note(DEEP_LABEL, DEEP_RULES.time, `${ref}: ${what} for deep inspection took longer than ${dl.timeoutMs} ms; the rest not read`);
  // the listing: at most maxListed lines (a line is at most ~4 KiB of path)
  let channel: ClientChannel | undefined;
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const timeout = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => {
      timedOut = true;
      channel?.close();
      resolve('late');
    }, dl.timeoutMs);
  });
  try {
    const nonce = randomBytes(12).toString('hex');
    const listed = await Promise.race([runText(conn, deepListScript(nonce, listDirs, { maxListed: dl.maxListed, seconds: secondsLeft() }), (dl.maxListed + 1) * 4200, 1024 * 1024, (ch) => (channel = ch)), timeout]);
    if (listed === 'late') {
      late('listing the files');
      return { held, errorPaths, stats, budget };
    }
    const markers = parseDeepListMarkers(listed.stderr, nonce);
    if (!markers.ran) {
      note(DEEP_LABEL, DEEP_RULES.unavailable, `${ref}: the deep-inspection listing did not run; language packages under ${dirs.join(', ')} not inspected`);
      return { held, errorPaths, stats, budget };
    }
    if (markers.walkTimeout || timedOut) late('listing the files');
    let files = parseDeepListing(listed.stdout, markers.format);
    if (files.length > dl.maxListed || listed.cut) {
      note(DEEP_LABEL, DEEP_RULES.entries, `${ref}: more than ${dl.maxListed} files under ${listDirs.join(', ')}; the rest not looked at`);
      files = files.slice(0, dl.maxListed);
    }
    stats.listed = files.length;
    const inScope = secretPathFilter(dirs);
    const inRuntimeScope = runtimes ? secretPathFilter(runtimes.paths) : () => false;
    const picked: string[] = [];
    const onDemand: FileInfo[] = [];
    let bytes = 0;
    let full = false;
    for (const f of files) {
      const n = normalizeEntryName(f.path.replace(/^\/+/, ''));
      if (!n.ok || n.path === '' || !inRuntimeScope(n.path) && !inScope(n.path) || /[\0-\x1f\x7f\\]/.test(n.path)) continue;
      // without sizes and modes (neither find -printf nor xargs with stat -c or ls on the host) the filter sees a small non-executable file: lockfiles and manifests, no binaries
      const info: FileInfo = { path: n.path, kind: 'file', size: f.size ?? 0, ...(f.mode !== undefined ? { mode: 0o100000 | f.mode } : {}) } as FileInfo;
      // a runtime binary (or its release/VERSION file) stays on the host, read as far as its readers go
      if (runtimes && inRuntimeScope(n.path) && runtimes.filter(info)) {
        if (c.tree.lookup(n.path)) continue;
        if (onDemand.length >= dl.maxRuntimeFiles) {
          if (onDemand.length === dl.maxRuntimeFiles) note(DEEP_LABEL, DEEP_RULES.files, `${ref}: more than ${dl.maxRuntimeFiles} runtime binaries under ${runtimes.paths.join(', ')}; the rest not read`);
          continue;
        }
        onDemand.push(info);
        continue;
      }
      if (full || !inScope(n.path) || !want(info)) continue;
      stats.wanted++;
      if (c.tree.lookup(n.path)) continue;
      if (f.size !== undefined && f.size > dl.maxFileBytes) {
        note(n.path, 'file-too-large', `${n.path}: ${f.size} bytes, over the ${dl.maxFileBytes}-byte limit for deep inspection; not read`);
        continue;
      }
      // a bound reached: no more files for the tar (the listing still gives the runtime binaries)
      if (picked.length >= dl.maxFiles) {
        note(DEEP_LABEL, DEEP_RULES.files, `${ref}: more than ${dl.maxFiles} files for deep inspection under ${dirs.join(', ')}; the rest not read`);
        full = true;
        continue;
      }
      if (bytes + (f.size ?? 0) > dl.maxBytes) {
        note(DEEP_LABEL, DEEP_RULES.bytes, `${ref}: more than ${dl.maxBytes} bytes for deep inspection; ${n.path} and the rest not read`);
        full = true;
        continue;
      }
      bytes += f.size ?? 0;
      picked.push(n.path);
    }
    if (runtimes && onDemand.length && !timedOut) {
      // the clock starts when the snapshot is handed over (the inventory reads them then)
      budget.deadline = Number.POSITIVE_INFINITY;
      const reader: RemoteReader = { conn, ref, c, limits, budget };
      for (const info of onDemand) {
        await put(c, info.path, { kind: 'file', size: info.size, mode: info.mode, layerIndex: 0, content: remoteContent(reader, info.path, info.size) });
        held.add(info.path);
        errorPaths.add(info.path);
      }
      stats.runtimeFiles = onDemand.length;
    }
    if (picked.length === 0 || timedOut) return { held, errorPaths, stats, budget };
    const pickedSet = new Set(picked);
    const tw = walkWant(DEEP_LABEL, ' for deep inspection', (p) => pickedSet.has(p), { files: dl.maxFiles, fileBytes: dl.maxFileBytes, bytes: dl.maxBytes });
    const nonce2 = randomBytes(12).toString('hex');
    const before = c.log.list.length;
    const r = await Promise.race([runScript(conn, ref, deepTarScript(nonce2, picked, secondsLeft()), nonce2, c, limits, tw, (ch) => (channel = ch)), timeout]);
    // the tar's own per-file notes belong to deep inspection (not to the secrets view)
    for (const e of c.log.list.slice(before)) errorPaths.add(e.path);
    if (r === 'late') {
      tw.abandoned = true;
      late('reading the files');
    } else {
      const out = parseSecretsOutput(r.stderr, nonce2);
      if (!out.tar) note(DEEP_LABEL, DEEP_RULES.unavailable, `${ref}: no tar on the host; language packages under ${dirs.join(', ')} not inspected`);
      else if (out.tar.exit === 124) late('reading the files');
      else if (out.tar.exit !== undefined && out.tar.exit > 1) note(DEEP_LABEL, 'remote-read-error', `${ref}: tar (deep inspection) exited ${out.tar.exit}: ${out.tar.messages.slice(0, 2000) || 'no message'}`);
    }
    for (const p of picked) {
      const node = c.tree.lookup(p);
      if (node?.kind === 'file' && node.content) held.add(p);
    }
    stats.files = tw.held.files;
    stats.bytes = tw.held.bytes;
    return { held, errorPaths, stats, budget };
  } finally {
    clearTimeout(timer);
  }
}

// ---- runtime binaries read on demand (issue 20) -------------------------------------------------

/** What the runtime reads of one snapshot may still use: bytes read so far, and until when. */
interface RuntimeBudget {
  bytes: number;
  deadline: number;
  /** the rule that stopped them, once */
  stopped?: string;
}

interface RemoteReader {
  conn: Client;
  ref: string;
  c: Collected;
  limits: SshLimits;
  budget: RuntimeBudget;
  /** what has been read of the last file read (HostFileCache) */
  cache?: HostFileCache;
  /** the SFTP session the reads go through, opened with the first (null: the host has none; exec channels then) */
  sftp?: Promise<SFTPWrapper | null>;
}

/**
 * Content of a file left on the host: `chunks` streams it as far as the reader goes, `open` reads
 * at positions, `load` reads it whole; all through the file's HostFileCache (each extractor of the
 * file after the first reads what the others read from memory).
 */
function remoteContent(r: RemoteReader, path: string, size: number): Content {
  return {
    where: 'lazy',
    refs: 1,
    chunks: (n: number) => cachedChunks(r, path, n),
    // positioned reads (an executable's headers and a window: go/binary, rust/auditable), never the whole file
    open: async () => remoteFileReader(r, path, size),
    async load() {
      // into one buffer of the listed size (a 150 MB binary is held once, not as pieces and their concatenation)
      let buf = Buffer.allocUnsafe(Math.min(size, r.limits.maxFileBytes));
      let got = 0;
      for await (const b of cachedChunks(r, path, 1024 * 1024)) {
        if (got + b.length > r.limits.maxFileBytes) {
          r.c.log.add(path, 'file-too-large', `${path}: over the ${r.limits.maxFileBytes}-byte file limit; not read`);
          throw new VigilError('VIGIL_LIMIT_EXCEEDED', `${path}: over the ${r.limits.maxFileBytes}-byte file limit`, { input: path, rule: 'file-too-large' });
        }
        // the file grew since it was listed
        if (got + b.length > buf.length) buf = Buffer.concat([buf.subarray(0, got)], Math.min(r.limits.maxFileBytes, Math.max(2 * buf.length, got + b.length)));
        b.copy(buf, got);
        got += b.length;
      }
      return buf.subarray(0, got);
    },
  };
}

/** Bytes of a host file's start kept for its next reader (HostFileCache): the largest runtime searches end before this. */
const PREFIX_CAP = 64 * 1024 * 1024;
/** Bytes a positioned read of a host file fetches at least (one exec channel each): an ELF header read brings its program headers too. */
const REMOTE_WINDOW = 64 * 1024;

/**
 * What has been read of the host file the inventory is at (it gives a file to its extractors one
 * after another; only that file's bytes are held): its first bytes as read so far (up to
 * PREFIX_CAP), whether they are the whole file, and windows read elsewhere (a section table).
 * Every exec channel costs a session on the host (~10 ms idle, up to a second on a loaded one), so
 * what one extractor read is not fetched again by the next.
 */
interface HostFileCache {
  path: string;
  prefix: Buffer[];
  prefixBytes: number;
  whole: boolean;
  windows: { at: number; data: Buffer }[];
}

function cacheOf(r: RemoteReader, path: string): HostFileCache {
  if (r.cache?.path !== path) r.cache = { path, prefix: [], prefixBytes: 0, whole: false, windows: [] };
  return r.cache;
}

/** The file in pieces of at most `chunkBytes`: the cached start first, then streamed from where it ends (and kept, up to PREFIX_CAP). */
async function* cachedChunks(r: RemoteReader, path: string, chunkBytes: number): AsyncGenerator<Buffer> {
  const c = cacheOf(r, path);
  const n = Math.max(1, chunkBytes);
  let pos = 0;
  for (const piece of c.prefix.slice()) {
    for (let i = 0; i < piece.length; i += n) yield piece.subarray(i, i + n);
    pos += piece.length;
  }
  if (c.whole) return;
  for await (const b of remoteChunks(r, path, n, pos > 0 ? { offset: pos } : undefined)) {
    // kept only while it continues the cached start (this file still the current one)
    if (r.cache === c && c.prefixBytes === pos && pos + b.length <= PREFIX_CAP) {
      c.prefix.push(Buffer.from(b));
      c.prefixBytes += b.length;
    }
    pos += b.length;
    yield b;
  }
  if (r.cache === c && c.prefixBytes === pos) c.whole = true;
}

/**
 * Positioned reads of a file left on the host: from the cached start or a cached window, else one
 * exec channel (`deepCatScript` with a range): a read at most REMOTE_WINDOW past the cached start
 * extends the start, any other fetches a window of at least REMOTE_WINDOW from its position. The
 * bytes count against the runtime budget as `chunks` do.
 */
function remoteFileReader(r: RemoteReader, path: string, size: number): FileReader {
  let closed = false;
  const readRange = async (offset: number, length: number): Promise<Buffer> => {
    const parts: Buffer[] = [];
    for await (const b of remoteChunks(r, path, 1024 * 1024, { offset, length })) parts.push(b);
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  };
  const prefixAt = (c: HostFileCache, from: number, to: number): Buffer | undefined => {
    if (to > c.prefixBytes) return undefined;
    if (c.prefix.length > 1) c.prefix = [Buffer.concat(c.prefix)];
    return c.prefix[0]?.subarray(from, to) ?? Buffer.alloc(0);
  };
  return {
    size,
    async read(buf, offset, length, position) {
      if (closed) throw new VigilError('VIGIL_INTERNAL', `${path}: read after close`, { input: path, rule: 'closed' });
      const want = Math.min(length, size - position);
      if (want <= 0) return 0;
      const c = cacheOf(r, path);
      const w = c.windows.find((x) => position >= x.at && position + want <= x.at + x.data.length);
      let bytes = prefixAt(c, position, position + want) ?? w?.data.subarray(position - w.at);
      // the whole file is cached: a read past its end gets what there is (the file shrank since it was listed)
      if (!bytes && c.whole) bytes = prefixAt(c, Math.min(position, c.prefixBytes), c.prefixBytes);
      if (!bytes) {
        if (position <= c.prefixBytes + REMOTE_WINDOW && position + want <= PREFIX_CAP) {
          const more = await readRange(c.prefixBytes, Math.min(Math.max(position + want - c.prefixBytes, REMOTE_WINDOW), size - c.prefixBytes));
          if (r.cache === c) {
            c.prefix.push(more);
            c.prefixBytes += more.length;
            if (more.length < Math.min(REMOTE_WINDOW, size - (c.prefixBytes - more.length))) c.whole = true;
          }
          bytes = prefixAt(c, position, Math.min(position + want, c.prefixBytes)) ?? Buffer.alloc(0);
        } else {
          const data = await readRange(position, Math.min(Math.max(want, REMOTE_WINDOW), size - position));
          if (r.cache === c) c.windows.push({ at: position, data });
          bytes = data.subarray(0, want);
        }
      }
      const n = Math.min(want, bytes.length);
      if (n > 0) bytes.copy(buf, offset, 0, n);
      return n;
    },
    close() {
      closed = true;
    },
  };
}

/** Throws (and records once) when the runtime reads' bytes or time are used up. */
function checkBudget(r: RemoteReader, path: string): void {
  const { budget: b, limits: { deep: dl }, ref, c } = r;
  let rule: string | undefined;
  let message = '';
  if (b.bytes > dl.maxRuntimeBytes) {
    rule = DEEP_RULES.bytes;
    message = `${ref}: more than ${dl.maxRuntimeBytes} bytes read of runtime binaries; ${path} and the rest not read`;
  } else if (Date.now() > b.deadline) {
    rule = DEEP_RULES.time;
    message = `${ref}: reading runtime binaries took longer than ${dl.runtimeTimeoutMs} ms; ${path} and the rest not read`;
  }
  if (!rule) return;
  if (!b.stopped) {
    b.stopped = rule;
    c.log.add(DEEP_LABEL, rule, message);
  }
  throw new VigilError('VIGIL_LIMIT_EXCEEDED', message, { input: path, rule });
}

/**
 * One file of the host in pieces of `chunkBytes`: a `deepCatScript` on a new exec channel, its
 * stdout after the marker. Stopping early (the reader returns) closes the channel; the bytes count
 * against the runtime budget, checked before each piece.
 * @throws VigilError (DEEP_RULES bytes/time, "remote-read-error" when the host is gone or the file is no longer a regular file)
 */
async function* remoteChunks(r: RemoteReader, path: string, chunkBytes: number, range?: { offset: number; length?: number }): AsyncGenerator<Buffer> {
  checkBudget(r, path);
  r.sftp ??= sftpOpen(r.conn).catch(() => null);
  const s = await r.sftp;
  if (s) yield* sftpChunks(r, s, path, chunkBytes, range);
  else yield* execChunks(r, path, chunkBytes, range);
}

/**
 * remoteChunks over the connection's SFTP session: no shell started per read (an exec channel
 * runs the account's shell and its rc files: a pyenv init costs ~1.5 s a channel). The file is
 * lstat'ed first (a regular file, not a symlink, as deepCatScript checks), then read in pieces.
 */
async function* sftpChunks(r: RemoteReader, s: SFTPWrapper, path: string, chunkBytes: number, range?: { offset: number; length?: number }): AsyncGenerator<Buffer> {
  const abs = '/' + path;
  const failed = (why: string) => new VigilError('VIGIL_NETWORK', `${r.ref}: ${path}: ${why}`, { input: path, rule: 'remote-read-error' });
  const st = await new Promise<Stats | null>((resolve) => s.lstat(abs, (err, x) => resolve(err ? null : x)));
  if (!st?.isFile()) throw failed('not a regular file any more (or unreadable)');
  const handle = await new Promise<Buffer | null>((resolve) => s.open(abs, 'r', (err, h) => resolve(err ? null : h)));
  if (!handle) throw failed('cannot open it');
  try {
    let pos = range?.offset ?? 0;
    const end = range?.length === undefined ? Number.POSITIVE_INFINITY : pos + range.length;
    while (pos < end) {
      checkBudget(r, path);
      const buf = Buffer.allocUnsafe(Math.min(Math.max(1, chunkBytes), end - pos));
      const n = await new Promise<number>((resolve, reject) => s.read(handle, buf, 0, buf.length, pos, (err, got) => (err ? ((err as { code?: number }).code === 1 ? resolve(0) : reject(failed(err.message))) : resolve(got))));
      if (n === 0) return;
      pos += n;
      r.budget.bytes += n;
      yield buf.subarray(0, n);
    }
  } finally {
    s.close(handle, () => undefined);
  }
}

/** remoteChunks over an exec channel (a host without SFTP): `deepCatScript`, its stdout after the marker. */
async function* execChunks(r: RemoteReader, path: string, chunkBytes: number, range?: { offset: number; length?: number }): AsyncGenerator<Buffer> {
  const { conn, ref, budget, limits } = r;
  const nonce = randomBytes(12).toString('hex');
  const seconds = Math.max(1, Math.ceil(Math.min(budget.deadline - Date.now(), limits.deep.runtimeTimeoutMs) / 1000));
  const failed = (why: string) => new VigilError('VIGIL_NETWORK', `${ref}: ${path}: ${why}`, { input: path, rule: 'remote-read-error' });
  const ch = await new Promise<ClientChannel>((resolve, reject) => {
    try {
      conn.exec('sh -s', (err, x) => (err ? reject(failed(`cannot read it from the host: ${err.message}`)) : resolve(x)));
    } catch (err) {
      reject(failed(`cannot read it from the host: ${(err as Error).message}`));
    }
  });
  const it = (ch as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const errs: Buffer[] = [];
  let errBytes = 0;
  ch.stderr.on('data', (d: Buffer) => {
    if ((errBytes += d.length) <= 64 * 1024) errs.push(d);
  });
  const closed = new Promise<void>((resolve) => ch.once('close', () => resolve()));
  ch.end(deepCatScript(nonce, path, seconds, range));
  const marker = Buffer.from(`@@${nonce} cat\n`);
  let done = false;
  try {
    // up to 1 MiB of rc-file noise before the marker
    let head = Buffer.alloc(0);
    let rest: Buffer | undefined;
    while (rest === undefined) {
      const x = await it.next();
      if (x.done) throw failed('the host sent nothing (not a regular file any more, or the connection closed)');
      head = Buffer.concat([head, x.value]);
      const at = head.indexOf(marker);
      if (at >= 0) rest = head.subarray(at + marker.length);
      else if (head.length > 1024 * 1024) throw failed('the host answered with something else than the file');
    }
    let pending: Buffer[] = rest.length ? [rest] : [];
    let held = rest.length;
    for (;;) {
      while (held >= chunkBytes) {
        const all = pending.length === 1 ? pending[0] : Buffer.concat(pending);
        budget.bytes += chunkBytes;
        checkBudget(r, path);
        yield all.subarray(0, chunkBytes);
        pending = all.length > chunkBytes ? [all.subarray(chunkBytes)] : [];
        held = all.length - chunkBytes;
      }
      const x = await it.next();
      if (x.done) break;
      pending.push(x.value);
      held += x.value.length;
    }
    done = true;
    // cat stopped by an error (unreadable, vanished, its time out): not the file's end
    let wait: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise<void>((resolve) => (wait = setTimeout(resolve, 10_000)))]).finally(() => clearTimeout(wait));
    const exit = scriptSections(Buffer.concat(errs).toString('utf8'), nonce).find((x) => x.name.startsWith('exit '));
    if (exit && exit.name !== 'exit 0') throw failed(`cat ${exit.name}${exit.name === 'exit 124' ? ' (out of time)' : ''}: ${Buffer.concat(errs).toString('utf8').split('\n').filter((l) => l && !l.startsWith('@@')).join(' ').slice(0, 300)}`);
    if (held > 0) {
      budget.bytes += held;
      yield pending.length === 1 ? pending[0] : Buffer.concat(pending);
    }
  } finally {
    if (!done) {
      // the reader stopped early (or failed): the host's cat gets SIGPIPE; what is in flight is dropped
      ch.close();
      void (async () => {
        while (!(await it.next()).done);
      })().catch(() => undefined);
    }
  }
}
