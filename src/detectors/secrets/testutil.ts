/**
 * Test helpers: tokens in each provider's real format (valid checksums) drawn from a seeded PRNG, so
 * no real secret is ever used and none is committed (the corpus holds {{kind}} markers that the
 * tests fill at run time), and an in-memory ScanFS.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { seededRandom } from '../../../test/helpers/random.ts';
import type { LayerRef } from '../../model/index.ts';
import type { FileInfo, ScanFS } from '../../sources/types.ts';
import { base62, crc32 } from './checksum.ts';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const B64 = ALNUM + '+/';
const B64URL = ALNUM + '-_';
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export type Gen = ReturnType<typeof tokenGenerator>;

export function tokenGenerator(seed = 17) {
  const r = seededRandom(seed);
  const str = (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[r.int(alphabet.length)]).join('');
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => r.int(256)));
  const digits = (n: number) => String(1 + r.int(9)) + str('0123456789', n - 1);
  const hex = (n: number) => str('0123456789abcdef', n);
  const p = (...parts: string[]) => parts.join('');
  /** GitHub / npm: prefix + 30 random + base62(crc32(random)) in 6 */
  const checksummed = (prefix: string, good = true) => {
    const body = str(ALNUM, 30);
    let sum = base62(crc32(body), 6);
    if (!good) sum = sum.slice(0, 5) + (sum[5] === 'A' ? 'B' : 'A');
    return prefix + body + sum;
  };
  /** AKIA + 16 base32 characters whose first 48 bits carry `account` (bit 47 set, as new ids have) */
  const awsId = (prefix = 'AKIA', account = 100_000_000_000 + r.int(800_000_000_000)) => {
    let bits = (1n << 47n) | (BigInt(account) << 7n) | BigInt(r.int(128));
    bits = (bits << 32n) | BigInt(r.int(2 ** 32));
    let out = '';
    for (let i = 15; i >= 0; i--) out += B32[Number((bits >> BigInt(i * 5)) & 31n)];
    return prefix + out;
  };
  const pemBody = (der: Buffer) => der.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd();
  const opensshDer = (cipher: string) => {
    const c = Buffer.from(cipher);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(c.length);
    return Buffer.concat([Buffer.from('openssh-key-v1\0', 'latin1'), len, c, bytes(380)]);
  };
  const jwt = (alg = 'HS256') => {
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    return `${enc({ alg, typ: 'JWT' })}.${enc({ sub: `user-${r.int(100000)}`, iat: 1700000000 + r.int(10000000), role: 'admin' })}.${bytes(32).toString('base64url')}`;
  };
  const gens: Record<string, () => string> = {
    'aws-id': () => awsId(),
    'aws-sts-id': () => awsId('ASIA'),
    'aws-secret': () => str(B64, 38) + 'a1',
    ghp: () => checksummed('ghp_'),
    gho: () => checksummed('gho_'),
    ghu: () => checksummed('ghu_'),
    ghs: () => checksummed('ghs_'),
    ghr: () => checksummed('ghr_'),
    'ghp-badsum': () => checksummed('ghp_', false),
    'github-pat': () => p('github', '_pat_', str(ALNUM, 22), '_', str(ALNUM, 59)),
    glpat: () => p('gl', 'pat-', str(ALNUM + '_-', 20)),
    gldt: () => p('gl', 'dt-', str(ALNUM, 20)),
    glrt: () => p('gl', 'rt-', str(ALNUM, 20)),
    'slack-bot': () => p('xo', 'xb-', digits(12), '-', digits(13), '-', str(ALNUM, 24)),
    'slack-user': () => p('xo', 'xp-', digits(12), '-', digits(12), '-', digits(13), '-', hex(32)),
    'slack-app': () => p('xa', 'pp-1-A', str('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 10), '-', digits(13), '-', hex(64)),
    'slack-webhook': () => p('https://hooks.', 'slack.com/services/T', str('ABCDEFGHJKLMNPQRSTUVWXYZ0123456789', 8), '/B', str('ABCDEFGHJKLMNPQRSTUVWXYZ0123456789', 10), '/', str(ALNUM, 24)),
    'stripe-live': () => p('sk', '_live_', str(ALNUM, 99)),
    'stripe-restricted': () => p('rk', '_live_', str(ALNUM, 99)),
    'stripe-test': () => p('sk', '_test_', str(ALNUM, 99)),
    'stripe-publishable': () => p('pk', '_live_', str(ALNUM, 99)),
    'google-api': () => p('AI', 'za', str(ALNUM + '_-', 35)),
    'azure-key': () => bytes(64).toString('base64'),
    'azure-sas': () => bytes(32).toString('base64'),
    npm: () => checksummed('npm_'),
    'npm-badsum': () => checksummed('npm_', false),
    pypi: () => p('pypi-', 'AgEIcHlwaS5vcmc', str(B64URL, 120)),
    'pem-rsa': () => `-----BEGIN RSA PRIVATE KEY-----\n${pemBody(Buffer.concat([Buffer.from([0x30, 0x82, 0x04, 0xa4]), bytes(600)]))}\n-----END RSA PRIVATE KEY-----`,
    'pem-ec': () => `-----BEGIN EC PRIVATE KEY-----\n${pemBody(Buffer.concat([Buffer.from([0x30, 0x77, 0x02, 0x01]), bytes(115)]))}\n-----END EC PRIVATE KEY-----`,
    'pem-dsa': () => `-----BEGIN DSA PRIVATE KEY-----\n${pemBody(Buffer.concat([Buffer.from([0x30, 0x82, 0x01, 0xbb]), bytes(440)]))}\n-----END DSA PRIVATE KEY-----`,
    'pem-pkcs8': () => `-----BEGIN PRIVATE KEY-----\n${pemBody(Buffer.concat([Buffer.from([0x30, 0x82, 0x04, 0xbe]), bytes(600)]))}\n-----END PRIVATE KEY-----`,
    'pem-encrypted': () => `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${pemBody(Buffer.concat([Buffer.from([0x30, 0x82, 0x05, 0x0e]), bytes(600)]))}\n-----END ENCRYPTED PRIVATE KEY-----`,
    'pem-rsa-proctype': () => `-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,${hex(32).toUpperCase()}\n\n${pemBody(bytes(600))}\n-----END RSA PRIVATE KEY-----`,
    'openssh': () => `-----BEGIN OPENSSH PRIVATE KEY-----\n${pemBody(opensshDer('none')).replace(/(.{70})/g, '$1')}\n-----END OPENSSH PRIVATE KEY-----`,
    'openssh-encrypted': () => `-----BEGIN OPENSSH PRIVATE KEY-----\n${pemBody(opensshDer('aes256-ctr'))}\n-----END OPENSSH PRIVATE KEY-----`,
    'pem-pkcs8-json': () => `-----BEGIN PRIVATE KEY-----\\n${pemBody(Buffer.concat([Buffer.from([0x30, 0x82, 0x04, 0xbe]), bytes(600)])).replace(/\n/g, '\\n')}\\n-----END PRIVATE KEY-----\\n`,
    'putty-lines': () => pemBody(bytes(330)).replace(/(.{64})\n/g, '$1\n'),
    jwt: () => jwt(),
    'jwt-none': () => jwt('none'),
    password: () => str(ALNUM, 12) + str('!*+-=_~', 2) + str(ALNUM, 4),
    'generic-secret': () => str(ALNUM, 40),
    'generic-hex': () => hex(32),
    uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`,
    sha1: () => hex(40),
    sha256: () => hex(64),
    integrity: () => 'sha512-' + bytes(64).toString('base64'),
  };
  return {
    kinds: Object.keys(gens),
    make(kind: string): string {
      const g = gens[kind];
      if (!g) throw new Error(`no generator ${kind}`);
      return g();
    },
    hex,
    str: (n: number) => str(ALNUM, n),
    awsId,
    checksummed,
  };
}

/**
 * Expand {{kind}} and {{kind#name}} (the same value for the same name) with generated values.
 * @returns the text and every value put in (the secrets a test must never see in output)
 */
export function expandTemplate(template: string, gen: Gen, shared = new Map<string, string>()): { text: string; values: string[] } {
  const values: string[] = [];
  const text = template.replace(/\{\{([a-z0-9-]+)(?:#([a-z0-9-]+))?\}\}/g, (_, kind: string, name?: string) => {
    const key = `${kind}#${name ?? ''}`;
    let v = name ? shared.get(key) : undefined;
    if (!v) {
      v = gen.make(kind);
      if (name) shared.set(key, v);
    }
    values.push(v);
    return v;
  });
  return { text, values };
}

/** An in-memory ScanFS (paths sorted), for tests of scanSecrets. */
export function memFS(files: Record<string, string | Buffer>, layers: Record<string, LayerRef> = {}): ScanFS {
  const paths = Object.keys(files).sort();
  const info = (p: string): FileInfo => ({ path: p, kind: 'file', size: Buffer.byteLength(files[p]), ...(layers[p] ? { layer: layers[p] } : {}) });
  return {
    target: { kind: 'dir', ref: 'memory' },
    async *entries() {
      for (const p of paths) yield info(p);
    },
    async stat(p) {
      return p in files ? info(p) : null;
    },
    async readFile(p) {
      if (!(p in files)) throw new Error(`not found: ${p}`);
      const c = files[p];
      return typeof c === 'string' ? Buffer.from(c) : c;
    },
    errors: [],
    async close() {},
  };
}

export const CORPUS_ROOT = new URL('./testdata/corpus/', import.meta.url).pathname;
const MARKER = /\s*⟦(plant|suppressed):([a-z0-9-]+)⟧|\s*⟦(decoy)⟧/;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

export interface Expect {
  path: string;
  line: number;
  kind: 'plant' | 'suppressed' | 'decoy';
  rule?: string;
}

/** the corpus as files (templates filled) and the expectations read from the markers */
export function buildCorpus(seed = 17): { files: Record<string, string>; expects: Expect[]; secrets: string[] } {
  const gen = tokenGenerator(seed);
  const files: Record<string, string> = {};
  const expects: Expect[] = [];
  const secrets: string[] = [];
  for (const abs of walk(CORPUS_ROOT).sort()) {
    const path = relative(CORPUS_ROOT, abs);
    const out: string[] = [];
    for (const tline of readFileSync(abs, 'utf8').split('\n')) {
      const m = MARKER.exec(tline);
      const clean = m ? tline.replace(MARKER, '') : tline;
      const { text, values } = expandTemplate(clean, gen);
      secrets.push(...values.filter((v) => v.length >= 16));
      if (m) expects.push({ path, line: out.length + 1, kind: (m[1] ?? m[3]) as Expect['kind'], rule: m[2] });
      out.push(...text.split('\n'));
    }
    files[path] = out.join('\n');
  }
  return { files, expects, secrets };
}

