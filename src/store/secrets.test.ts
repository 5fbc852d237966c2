/**
 * The keyring and envelope (store/secrets.ts), the key from VIGIL_SECRET_KEY or the key file, and
 * the private modes of the home, the key file and the SQLite files.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Sqlite from 'better-sqlite3';
import { VigilError } from '../model/errors.ts';
import { openStore } from './index.ts';
import { ensurePrivateDir, envelopeKeyId, generateSecretKey, isEnvelope, keyIdOf, loadSecretKeyring, readKeyFileKeys, SecretKeyring, writeKeyFile } from './secrets.ts';

const mode = (p: string) => statSync(p).mode & 0o777;
const rule = (r: string) => (e: unknown) => e instanceof VigilError && e.code === 'VIGIL_CONFIG' && e.rule === r;

const tmp = mkdtempSync(join(tmpdir(), 'vigil-secrets-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('envelope', () => {
  const ring = SecretKeyring.fromText(generateSecretKey(), 'test');

  test('vgs1.<key id>.<iv>.<ciphertext+tag>: opens with the same associated data, random IV each time', () => {
    const e1 = ring.seal('hunter2', 'targets/t1');
    const e2 = ring.seal('hunter2', 'targets/t1');
    assert.match(e1, /^vgs1\.[0-9a-f]{16}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22,}$/);
    assert.notEqual(e1, e2);
    assert.ok(isEnvelope(e1) && !e1.includes('hunter2'));
    assert.equal(envelopeKeyId(e1), ring.currentKeyId);
    assert.equal(ring.open(e1, 'targets/t1'), 'hunter2');
    assert.equal(ring.open(ring.seal('', 'x'), 'x'), '');
    const big = 'k'.repeat(20_000) + 'é∂';
    assert.equal(ring.open(ring.seal(big, 'x'), 'x'), big);
  });

  test('other associated data, a changed byte, a truncated or foreign envelope: clear errors', () => {
    const e = ring.seal('hunter2', 'targets/t1');
    assert.throws(() => ring.open(e, 'targets/t2'), rule('secret-decrypt'));
    const body = e.split('.')[3];
    const flipped = `${e.slice(0, e.length - body.length)}${body[0] === 'A' ? 'B' : 'A'}${body.slice(1)}`;
    assert.throws(() => ring.open(flipped, 'targets/t1'), rule('secret-decrypt'));
    assert.throws(() => ring.open('vgs2.0123456789abcdef.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAA', 'x'), (err: VigilError) => rule('secret-envelope')(err) && /version "vgs2"/.test(err.message));
    assert.throws(() => ring.open('plain text', 'x'), rule('secret-envelope'));
  });

  test('another key: names both key ids, never returns garbage', () => {
    const other = SecretKeyring.fromText(generateSecretKey(), 'VIGIL_SECRET_KEY');
    const e = ring.seal('hunter2', 'a');
    assert.throws(() => other.open(e, 'a'), (err: VigilError) => rule('secret-key-mismatch')(err) && err.message.includes(ring.currentKeyId) && err.message.includes(other.currentKeyId) && err.message.includes('VIGIL_SECRET_KEY'));
  });

  test('a keyring of several keys seals with the first and opens with any; sealing with a named key', () => {
    const k1 = generateSecretKey();
    const k2 = generateSecretKey();
    const old = SecretKeyring.fromText(k1, 'old');
    const both = SecretKeyring.fromText(`${k2}, ${k1}`, 'both');
    assert.equal(both.currentKeyId, keyIdOf(Buffer.from(k2, 'base64')));
    assert.equal(both.open(old.seal('s', 'a'), 'a'), 's');
    assert.equal(old.open(both.seal('s', 'a', old.currentKeyId), 'a'), 's');
    assert.throws(() => old.seal('s', 'a', both.currentKeyId), rule('secret-key-mismatch'));
  });

  test('key material: 32 bytes of base64 (standard or url-safe), else an error naming the source and the rule', () => {
    const k = generateSecretKey();
    assert.equal(SecretKeyring.fromText(k.replace(/\+/g, '-').replace(/\//g, '_'), 'x').currentKeyId, SecretKeyring.fromText(k, 'x').currentKeyId);
    for (const bad of ['', 'short', Buffer.alloc(16).toString('base64'), Buffer.alloc(33).toString('base64'), 'not*base64!'.repeat(4)]) {
      assert.throws(() => SecretKeyring.fromText(bad, 'VIGIL_SECRET_KEY'), (err: VigilError) => rule('secret-key-format')(err) && err.message.startsWith('VIGIL_SECRET_KEY'), bad);
    }
  });
});

describe('the key: environment or key file', () => {
  test('VIGIL_SECRET_KEY wins and no key file is written', () => {
    const home = join(tmp, 'env-home');
    const k = generateSecretKey();
    const ring = loadSecretKeyring({ home, env: { VIGIL_SECRET_KEY: k } });
    assert.equal(ring.source, 'VIGIL_SECRET_KEY');
    assert.equal(ring.currentKeyId, keyIdOf(Buffer.from(k, 'base64')));
    assert.equal(existsSync(join(home, 'secret.key')), false);
  });

  test('without it: <home>/secret.key generated 0600 in a home made 0700, the same key on the next load', () => {
    const home = join(tmp, 'new', 'home');
    const ring = loadSecretKeyring({ home, env: {} });
    const file = join(home, 'secret.key');
    assert.equal(ring.source, file);
    assert.equal(mode(home), 0o700);
    assert.equal(mode(file), 0o600);
    assert.equal(readKeyFileKeys(file).length, 1);
    assert.equal(loadSecretKeyring({ home, env: {} }).currentKeyId, ring.currentKeyId);
    assert.throws(() => loadSecretKeyring({ home: join(tmp, 'absent'), env: {}, create: false }), rule('secret-key-missing'));
  });

  test('a key file readable by others is made 0600 with a warning; a malformed one is an error', () => {
    const home = join(tmp, 'open-home');
    mkdirSync(home, { mode: 0o755 });
    chmodSync(home, 0o755);
    const file = join(home, 'secret.key');
    writeFileSync(file, `${generateSecretKey()}\n`, { mode: 0o644 });
    chmodSync(file, 0o644);
    const warnings: string[] = [];
    loadSecretKeyring({ home, env: {}, warn: (m) => warnings.push(m) });
    assert.equal(mode(file), 0o600);
    assert.deepEqual(warnings, [`${file} was readable by others (mode 0644); changed to 0600`]);
    writeFileSync(file, 'not a key\n');
    assert.throws(() => loadSecretKeyring({ home, env: {} }), (err: VigilError) => rule('secret-key-format')(err) && err.message.includes(file));
  });

  test('another process opens the same keys from the spec: the key file (read afresh) or the keys', () => {
    const home = join(tmp, 'spec-home');
    const fromFile = loadSecretKeyring({ home, env: {} });
    const spec = fromFile.toSpec();
    assert.deepEqual(spec, { file: join(home, 'secret.key') });
    const e = fromFile.seal('s', 'a');
    assert.equal(SecretKeyring.fromSpec(spec).open(e, 'a'), 's');
    const fromKeys = SecretKeyring.fromText(`${generateSecretKey()},${generateSecretKey()}`, 'VIGIL_SECRET_KEY');
    const copy = SecretKeyring.fromSpec(fromKeys.toSpec());
    assert.deepEqual(copy.keyIds, fromKeys.keyIds);
    assert.equal(copy.open(fromKeys.seal('t', 'b'), 'b'), 't');
  });

  test('a keyring from a file follows a rotation written to it (a running server)', () => {
    const home = join(tmp, 'rotating');
    const ring = loadSecretKeyring({ home, env: {} });
    const file = join(home, 'secret.key');
    const next = generateSecretKey();
    const sealedElsewhere = SecretKeyring.fromText(next, 'rotation').seal('s', 'a');
    writeKeyFile(file, [next, ...readKeyFileKeys(file)]);
    assert.equal(mode(file), 0o600);
    assert.equal(ring.open(sealedElsewhere, 'a'), 's');
    assert.ok(readFileSync(file, 'utf8').startsWith('#'), 'the file explains itself');
  });
});

test('a shared sticky directory given as the home (/tmp) is left as it is, with a warning', { skip: (statSync(tmpdir()).mode & 0o1000) === 0 ? `${tmpdir()} is not a sticky directory` : false }, () => {
  const warnings: string[] = [];
  const before = statSync(tmpdir()).mode;
  ensurePrivateDir(tmpdir(), (m) => warnings.push(m));
  assert.equal(statSync(tmpdir()).mode, before);
  assert.match(warnings[0] ?? '', /shared or not this user's: left as it is/);
});

describe('private database files', () => {
  test('a new SQLite database: its directory 0700, the database and its -wal/-shm 0600', async () => {
    const file = join(tmp, 'fresh', 'dir', 'vigil.db');
    const store = await openStore(`sqlite:${file}`);
    try {
      await store.db.insertInto('engine_state').values({ key: 'k', value: 'v', updated_at: 'now' }).execute();
      assert.equal(mode(join(tmp, 'fresh', 'dir')), 0o700);
      for (const f of [file, `${file}-wal`, `${file}-shm`]) assert.equal(mode(f), 0o600, f);
    } finally {
      await store.close();
    }
  });

  test('an existing database left 0644 (older versions) is made 0600 with a warning, -wal and -shm too', async () => {
    const dir = join(tmp, 'old-db');
    mkdirSync(dir);
    const file = join(dir, 'vigil.db');
    // what an older version left: files created under the default umask, the log still there
    const h = new Sqlite(file);
    h.pragma('journal_mode = WAL');
    h.exec('create table t (x)');
    const keep = new Sqlite(file); // a second connection keeps the -wal/-shm files when the first closes
    keep.prepare('select * from t').all();
    for (const f of [file, `${file}-wal`, `${file}-shm`]) chmodSync(f, 0o644);
    const warnings: string[] = [];
    const store = await openStore(`sqlite:${file}`, { onWarning: (m) => warnings.push(m) });
    try {
      for (const f of [file, `${file}-wal`, `${file}-shm`]) assert.equal(mode(f), 0o600, f);
      assert.deepEqual(warnings.map((w) => w.replace(dir, 'DIR')), ['', '-wal', '-shm'].map((s) => `DIR/vigil.db${s} was readable by others (mode 0644); changed to 0600`));
    } finally {
      await store.close();
      keep.close();
      h.close();
    }
  });
});
