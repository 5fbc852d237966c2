// @ts-nocheck — corpus file for the SAST analyzer, not part of the build
// Weak hashing (CWE-328), weak ciphers (CWE-327), TLS verification off (CWE-295).
import crypto, { createHash } from 'crypto';
import https from 'https';
import axios from 'axios';

export function fingerprint(data: string) {
  // ruleid: js/weak-hash
  return crypto.createHash('md5').update(data).digest('hex');
}

// ruleid: js/weak-hash
const legacy = createHash("sha1");

export function encrypt(key: Buffer, data: string) {
  // ruleid: js/weak-cipher
  const c = crypto.createCipheriv('des-ede3-cbc', key, Buffer.alloc(8));
  return c.update(data, 'utf8', 'hex') + c.final('hex');
}

export function encryptEcb(key: Buffer, data: string) {
  // ruleid: js/weak-cipher
  const c = crypto.createCipheriv('aes-128-ecb', key, null);
  return c.update(data, 'utf8', 'hex') + c.final('hex');
}

export function encryptOld(password: string, data: string) {
  // ruleid: js/weak-cipher
  const c = crypto.createCipher('aes-256-cbc', password);
  return c.update(data, 'utf8', 'hex') + c.final('hex');
}

// ruleid: js/tls-verification-disabled
export const agent = new https.Agent({ rejectUnauthorized: false });

export const client = axios.create({
  // ruleid: js/tls-verification-disabled
  httpsAgent: new https.Agent({ keepAlive: true, rejectUnauthorized: false }),
});

// ruleid: js/tls-verification-disabled
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

// --- safe look-alikes

export function digest(data: string) {
  // ok: js/weak-hash
  return crypto.createHash('sha256').update(data).digest('hex');
}

export function seal(key: Buffer, data: string) {
  const iv = crypto.randomBytes(12);
  // ok: js/weak-cipher
  const c = crypto.createCipheriv('aes-256-gcm', key, iv);
  return Buffer.concat([c.update(data), c.final()]);
}

// ok: js/tls-verification-disabled
export const strict = new https.Agent({ rejectUnauthorized: true });

// ok: js/tls-verification-disabled
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '1';

const CHECKSUM_ALGORITHM = 'md5';
export function checksum(data: string) {
  // ruleid: js/weak-hash
  return crypto.createHash(CHECKSUM_ALGORITHM).update(data).digest('hex');
}

export async function webDigest(data: ArrayBuffer) {
  // ruleid: js/weak-hash
  const a = await globalThis.crypto.subtle.digest('SHA-1', data);
  // ok: js/weak-hash
  const b = await globalThis.crypto.subtle.digest('SHA-256', data);
  return [a, b];
}
