/**
 * API keys: `vgl_<prefix>_<secret>`. The prefix is public (it finds the key's row and shows in
 * listings); the secret is 256 random bits of which only the sha256 is stored. Both parts use an
 * alphabet without "_" so the key splits unambiguously.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const LOWER = 'abcdefghijklmnopqrstuvwxyz0123456789';
export const PREFIX_LENGTH = 12;
/** 43 characters of a 62-letter alphabet: just over 256 bits */
export const SECRET_LENGTH = 43;
const KEY_RE = new RegExp(`^vgl_([a-z0-9]{${PREFIX_LENGTH}})_([A-Za-z0-9]{${SECRET_LENGTH}})$`);

/** Uniform random string over `alphabet` (rejection sampling: no modulo bias). */
export function randomString(length: number, alphabet: string = ALNUM): string {
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < limit) out += alphabet[b % alphabet.length];
      if (out.length === length) break;
    }
  }
  return out;
}

/** A new opaque id such as "acc_k3j…": the kind, then 20 random lowercase letters and digits. */
export function newId(kind: 'org' | 'acc' | 'key'): string {
  return `${kind}_${randomString(20, LOWER)}`;
}

export interface NewKey {
  /** the whole key, to hand to the user once */
  key: string;
  prefix: string;
  /** hex sha256 of the secret: what the database keeps */
  hash: string;
}

export function generateKey(): NewKey {
  const prefix = randomString(PREFIX_LENGTH, LOWER);
  const secret = randomString(SECRET_LENGTH);
  return { key: `vgl_${prefix}_${secret}`, prefix, hash: hashSecret(secret) };
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Splits a presented key; null when it is not shaped like one of ours. */
export function parseKey(key: string): { prefix: string; secret: string } | null {
  const m = KEY_RE.exec(key);
  return m ? { prefix: m[1], secret: m[2] } : null;
}

/** Does `secret` hash to `storedHash`? Compares the digests in constant time. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = createHash('sha256').update(secret, 'utf8').digest();
  const b = Buffer.from(storedHash, 'hex');
  // a stored hash of the wrong length (corrupt row) must not throw out of timingSafeEqual
  if (b.length !== a.length) return false;
  return timingSafeEqual(a, b);
}
