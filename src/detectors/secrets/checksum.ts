/**
 * The checksums and measures the rules use: CRC-32 (IEEE, as zlib; Node 20 has no zlib.crc32),
 * base62 as GitHub and npm encode their token checksums, Shannon entropy, base64 decoding checks.
 */
import { createHash } from 'node:crypto';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3) of the string's bytes as latin1 (the token alphabets are ASCII). */
export function crc32(s: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < s.length; i++) crc = CRC_TABLE[(crc ^ s.charCodeAt(i)) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** n in base62 (digits, then upper, then lower case), left-padded with "0" to `width`. */
export function base62(n: number, width = 0): string {
  let out = '';
  do {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  } while (n > 0);
  return out.padStart(width, '0');
}

/**
 * GitHub's token format (2021) and npm's (2021): prefix, 30 random base62 characters, then the
 * CRC-32 of those 30 characters in base62, 6 characters. True when the last 6 match.
 */
export function base62TokenChecksumOk(token: string, prefixLength: number): boolean {
  const body = token.slice(prefixLength);
  if (body.length !== 36) return false;
  return base62(crc32(body.slice(0, 30)), 6) === body.slice(30);
}

/** Shannon entropy in bits per character. */
export function shannon(s: string): number {
  if (!s) return 0;
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  const n = [...s].length;
  for (const c of counts.values()) {
    const p = c / n;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Bytes of a standard-alphabet base64 string, or null when it is not well-formed base64. */
export function base64Bytes(s: string): Buffer | null {
  const t = s.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t) || t.length % 4 !== 0) return null;
  return Buffer.from(t, 'base64');
}

/** Bytes of a base64url string (JWT parts), or null. */
export function base64UrlBytes(s: string): Buffer | null {
  if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) return null;
  return Buffer.from(s, 'base64url');
}

export const sha256Hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * The AWS account id inside an access key id (AKIA…/ASIA…): the 16 characters after the 4-character
 * prefix are base32 (A–Z, 2–7); bits 1–40 of the first 6 decoded bytes, shifted right by 7, are the
 * 12-digit account id. Null when the characters are not base32 or the number has more than 12 digits.
 */
export function awsAccountId(keyId: string): string | null {
  const rest = keyId.slice(4);
  let bits = 0n;
  let nbits = 0n;
  for (const ch of rest) {
    const v = B32.indexOf(ch);
    if (v < 0) return null;
    bits = (bits << 5n) | BigInt(v);
    nbits += 5n;
  }
  // first 48 bits (6 bytes) of the decoded bytes
  const first48 = bits >> (nbits - 48n);
  const account = (first48 & 0x7fffffffff80n) >> 7n;
  if (account > 999_999_999_999n) return null;
  return account.toString().padStart(12, '0');
}
