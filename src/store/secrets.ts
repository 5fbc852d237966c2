/**
 * Secrets at rest: AES-256-GCM (node:crypto) under a key that never enters the database, and the
 * private file modes of what Vigil keeps on disk.
 *
 * Envelope (one string, versioned, naming its key):
 *
 *     vgs1.<key id>.<iv>.<ciphertext‖tag>
 *
 * `vgs1`: AES-256-GCM, 96-bit random IV, 128-bit tag appended to the ciphertext; `key id`: 16 hex
 * characters, the first 8 bytes of sha256("vigil-secret-key-id:" ‖ key), so a row names the key
 * that sealed it and a keyring holding several keys (during a rotation) picks the right one;
 * `iv` and `ciphertext‖tag`: base64url. The caller binds each envelope to where it is stored with
 * associated data (e.g. "targets/<id>"), so an envelope copied into another row does not open.
 *
 * Keys: 32 random bytes, written base64. `VIGIL_SECRET_KEY` holds one, or several separated by
 * commas (the first seals, the others only open: the state during a rotation); without it, the
 * key file `<home>/secret.key` (one key a line, the first seals; `#` comments), generated with
 * mode 0600 on first use.
 */
import { chmodSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { VigilError } from '../model/errors.ts';

/** The envelope version this code writes (and the only one it reads). */
export const ENVELOPE_VERSION = 'vgs1';
const ENVELOPE_RE = /^vgs1\.([0-9a-f]{16})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22,})$/;
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const SECRET_KEY_ENV = 'VIGIL_SECRET_KEY';
export const SECRET_KEY_FILE = 'secret.key';

/** The id a key is known by in envelopes: 16 hex characters of a hash of the key (not of any secret). */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('vigil-secret-key-id:').update(key).digest('hex').slice(0, 16);
}

/** A new key, base64 (what VIGIL_SECRET_KEY and the key file hold). */
export function generateSecretKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/** Whether a stored value is an envelope (of any key). */
export function isEnvelope(value: unknown): value is string {
  return typeof value === 'string' && ENVELOPE_RE.test(value);
}

/** The key id an envelope names, or null when the value is not an envelope. */
export function envelopeKeyId(value: string): string | null {
  return ENVELOPE_RE.exec(value)?.[1] ?? null;
}

interface Key { id: string; key: Buffer }

/** What {@link SecretKeyring.toSpec} hands to another process. */
export type SecretKeySpec = { file: string } | { keys: string[] };

/**
 * Parses key material: base64 (standard or url-safe) keys of 32 bytes, separated by commas or
 * lines; `#` lines are comments.
 * @throws VigilError VIGIL_CONFIG naming the source and the rule ("32 bytes, base64")
 */
export function parseKeys(text: string, source: string): Key[] {
  const items = text.split(/[\n,]/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (items.length === 0) throw new VigilError('VIGIL_CONFIG', `${source}: no secret key (expected 32 random bytes, base64, e.g. from \`openssl rand -base64 32\`)`, { input: source, rule: 'secret-key-format' });
  const out: Key[] = [];
  for (const [i, item] of items.entries()) {
    const ok = /^[A-Za-z0-9+/_-]+={0,2}$/.test(item);
    const key = ok ? Buffer.from(item.replace(/-/g, '+').replace(/_/g, '/'), 'base64') : Buffer.alloc(0);
    if (key.length !== KEY_BYTES) {
      throw new VigilError('VIGIL_CONFIG', `${source}: key ${i + 1} is not 32 bytes of base64 (got ${ok ? `${key.length} bytes` : 'characters outside base64'}); make one with \`openssl rand -base64 32\``, { input: source, rule: 'secret-key-format' });
    }
    const id = keyIdOf(key);
    if (!out.some((k) => k.id === id)) out.push({ id, key });
  }
  return out;
}

/**
 * The keys of this process: the first seals, all open (by the key id an envelope names). One
 * loaded from a key file reads the file again when it meets an envelope of a key it does not
 * have, so a running server follows `vigil admin rotate-secret-key` on the same machine.
 */
export class SecretKeyring {
  private keys: Key[];

  /**
   * @param source where the keys came from, for messages ("VIGIL_SECRET_KEY", a file path)
   * @param reload reads the keys again (key files only)
   * @param file the key file they came from
   */
  constructor(keys: Key[], readonly source: string, private readonly reload?: () => Key[], private readonly file?: string) {
    if (keys.length === 0) throw new VigilError('VIGIL_CONFIG', `${source}: no secret key`, { input: source, rule: 'secret-key-format' });
    this.keys = keys;
  }

  /**
   * How another process (the isolated scan process, engine/isolate.ts) opens the same keys: the
   * key file, which it reads afresh (so it follows a rotation), or the keys themselves — sent over
   * the IPC channel to a child of this process, never on a command line.
   */
  toSpec(): SecretKeySpec {
    return this.file ? { file: this.file } : { keys: this.keys.map((k) => k.key.toString('base64')) };
  }

  /**
   * The keyring a {@link toSpec} describes.
   * @throws VigilError VIGIL_CONFIG when the key file cannot be read or holds no valid key
   */
  static fromSpec(spec: SecretKeySpec): SecretKeyring {
    if ('file' in spec) {
      const read = () => parseKeys(readKeyFile(spec.file), spec.file);
      return new SecretKeyring(read(), spec.file, read, spec.file);
    }
    return new SecretKeyring(parseKeys(spec.keys.join(','), 'the parent process\'s keys'), 'the parent process\'s keys');
  }

  /** A keyring from base64 keys (tests, and `VIGIL_SECRET_KEY`). */
  static fromText(text: string, source: string): SecretKeyring {
    return new SecretKeyring(parseKeys(text, source), source);
  }

  /** The id of the key that seals. */
  get currentKeyId(): string { return this.keys[0].id; }

  /** Every key id this keyring opens. */
  get keyIds(): string[] { return this.keys.map((k) => k.id); }

  has(keyId: string): boolean {
    if (this.keys.some((k) => k.id === keyId)) return true;
    this.refresh();
    return this.keys.some((k) => k.id === keyId);
  }

  /**
   * Encrypts `plaintext` bound to `aad` (where it is stored), under the current key or the key
   * `keyId` (the one the database says seals, engine/secrets.ts).
   * @throws VigilError VIGIL_CONFIG "secret-key-mismatch" when this keyring lacks `keyId`
   */
  seal(plaintext: string, aad: string, keyId: string = this.keys[0].id): string {
    if (!this.has(keyId)) throw missingKey(aad, keyId, this);
    const { id, key } = this.keys.find((k) => k.id === keyId)!;
    const iv = randomBytes(IV_BYTES);
    const c = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    c.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([c.update(plaintext, 'utf8'), c.final(), c.getAuthTag()]);
    return `${ENVELOPE_VERSION}.${id}.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  /**
   * Decrypts an envelope sealed for `aad`.
   * @throws VigilError VIGIL_CONFIG: "secret-envelope" (not an envelope of a version this code
   *   reads), "secret-key-missing" (sealed under a key this process lacks), "secret-decrypt"
   *   (the tag does not verify: a wrong key of the same id is practically impossible, so the row
   *   was altered or moved)
   */
  open(envelope: string, aad: string): string {
    const m = ENVELOPE_RE.exec(envelope);
    if (!m) {
      const version = /^([a-z0-9]+)\./.exec(envelope)?.[1];
      throw new VigilError('VIGIL_CONFIG', `stored secret of ${aad} is not a ${ENVELOPE_VERSION} envelope${version ? ` (version ${JSON.stringify(version)})` : ''}`, { input: aad, rule: 'secret-envelope' });
    }
    const [, id, ivText, bodyText] = m;
    if (!this.has(id)) throw missingKey(aad, id, this);
    const { key } = this.keys.find((k) => k.id === id)!;
    const body = Buffer.from(bodyText, 'base64url');
    if (body.length < TAG_BYTES) throw new VigilError('VIGIL_CONFIG', `stored secret of ${aad}: envelope too short`, { input: aad, rule: 'secret-envelope' });
    try {
      const d = createDecipheriv('aes-256-gcm', key, Buffer.from(ivText, 'base64url'), { authTagLength: TAG_BYTES });
      d.setAAD(Buffer.from(aad, 'utf8'));
      d.setAuthTag(body.subarray(body.length - TAG_BYTES));
      return Buffer.concat([d.update(body.subarray(0, body.length - TAG_BYTES)), d.final()]).toString('utf8');
    } catch (err) {
      throw new VigilError('VIGIL_CONFIG', `cannot decrypt the stored secret of ${aad} with key ${id} from ${this.source}: authentication failed (the row was altered or belongs elsewhere)`, { input: aad, rule: 'secret-decrypt', cause: err });
    }
  }

  private refresh(): void {
    if (!this.reload) return;
    try {
      this.keys = this.reload();
    } catch {
      // keep the keys we have: the caller's error names them
    }
  }
}

/** The error for an envelope (or a database) sealed under a key this process lacks. */
export function missingKey(what: string, keyId: string, ring: SecretKeyring): VigilError {
  return new VigilError('VIGIL_CONFIG',
    `the secrets of ${what} are sealed with key ${keyId}, which ${ring.source} does not hold (it has ${ring.keyIds.join(', ')}): ` +
    `set ${SECRET_KEY_ENV} (or the key file) to the key this database was used with`, { input: ring.source, rule: 'secret-key-mismatch' });
}

export interface LoadKeyringOptions {
  /** the Vigil home: where the key file lives */
  home: string;
  env?: NodeJS.ProcessEnv;
  /** told about a key file whose mode was too open (and has been fixed) */
  warn?: (message: string) => void;
  /** generate the key file when missing (default true) */
  create?: boolean;
}

/**
 * The keyring of this process: `VIGIL_SECRET_KEY` if set, else the key file in the home (made with
 * a new key, mode 0600, when missing; a file readable by others is made private with a warning).
 * @throws VigilError VIGIL_CONFIG on malformed key material, or a missing key file with create: false
 */
export function loadSecretKeyring(opts: LoadKeyringOptions): SecretKeyring {
  const env = opts.env ?? process.env;
  const fromEnv = env[SECRET_KEY_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return SecretKeyring.fromText(fromEnv, SECRET_KEY_ENV);
  const file = join(opts.home, SECRET_KEY_FILE);
  if (!existsSync(file)) {
    if (opts.create === false) throw new VigilError('VIGIL_CONFIG', `no secret key: ${SECRET_KEY_ENV} is not set and ${file} does not exist`, { input: file, rule: 'secret-key-missing' });
    ensurePrivateDir(opts.home, opts.warn);
    writeKeyFile(file, [generateSecretKey()], { exclusive: true });
  }
  ensurePrivateFile(file, opts.warn);
  const read = () => parseKeys(readKeyFile(file), file);
  return new SecretKeyring(read(), file, read, file);
}

function readKeyFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new VigilError('VIGIL_CONFIG', `cannot read the secret key file ${file}: ${(err as Error).message}`, { input: file, rule: 'secret-key-file', cause: err });
  }
}

const KEY_FILE_HEADER =
  '# Vigil secret key (AES-256-GCM) for the credentials stored in the database. Keep it private and\n' +
  '# back it up with the database: without it the stored credentials cannot be read. The first key\n' +
  '# seals; any further keys only open (left by an interrupted `vigil admin rotate-secret-key`).\n';

/**
 * Writes a key file with mode 0600: `exclusive` creates it only if absent (two processes starting
 * together keep the first one's key); otherwise it replaces the file atomically (a temp file then rename).
 */
export function writeKeyFile(file: string, keys: string[], opts: { exclusive?: boolean } = {}): void {
  const text = KEY_FILE_HEADER + keys.map((k) => `${k}\n`).join('');
  if (opts.exclusive) {
    let fd: number;
    try {
      fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return;
      throw new VigilError('VIGIL_CONFIG', `cannot create the secret key file ${file}: ${(err as Error).message}`, { input: file, rule: 'secret-key-file', cause: err });
    }
    try { writeSync(fd, text); } finally { closeSync(fd); }
    return;
  }
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o600, flag: 'w' });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** Reads the base64 keys of a key file, in order. */
export function readKeyFileKeys(file: string): string[] {
  return readKeyFile(file).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

// ─── private files ───────────────────────────────────────────────────────────────────────────────

const defaultWarn = (message: string) => process.emitWarning(message, { code: 'VIGIL_FILE_MODE' });

/**
 * A directory only its owner can enter: created 0700 (with its missing parents), or made 0700 with a
 * warning when it exists readable or writable by others.
 */
export function ensurePrivateDir(dir: string, warn: (message: string) => void = defaultWarn): void {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700); // mkdir's mode passes through the umask; be exact
    return;
  }
  tighten(dir, 0o700, warn);
}

/** A file only its owner can read: made 0600 with a warning when it exists with a wider mode. */
export function ensurePrivateFile(file: string, warn: (message: string) => void = defaultWarn): void {
  if (existsSync(file)) tighten(file, 0o600, warn);
}

function tighten(path: string, mode: number, warn: (message: string) => void): void {
  let st;
  try { st = statSync(path); } catch { return; }
  const current = st.mode & 0o777;
  if ((current & 0o077) === 0) return;
  const octal = (m: number) => m.toString(8).padStart(4, '0');
  // a shared directory (sticky, like /tmp) or someone else's is never changed: --home pointed at it
  if (st.isDirectory() && ((st.mode & 0o1000) !== 0 || (typeof process.getuid === 'function' && st.uid !== process.getuid() && process.getuid() !== 0))) {
    warn(`${path} is readable by others (mode ${octal(current)}) and is shared or not this user's: left as it is; use a private home directory`);
    return;
  }
  try {
    chmodSync(path, mode);
    warn(`${path} was readable by others (mode ${current.toString(8).padStart(4, '0')}); changed to ${mode.toString(8).padStart(4, '0')}`);
  } catch (err) {
    warn(`${path} is readable by others (mode ${current.toString(8).padStart(4, '0')}) and could not be changed to ${mode.toString(8).padStart(4, '0')}: ${(err as Error).message}`);
  }
}

/** Creates an empty file with mode 0600 unless it exists (so SQLite, which keeps a file's mode, never makes it 0644). */
export function createPrivateFile(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}
