/**
 * Source addresses as intervals of integers (bigint: 32-bit IPv4, 128-bit IPv6), so that "from
 * where" is computed exactly like "to which port": a rule's CIDR is an interval, and the source
 * space is cut into classes — maximal intervals no rule boundary crosses — each evaluated once
 * with any address in it as its representative.
 */
import ipaddr from 'ipaddr.js';
import { VigilError } from '../../model/errors.ts';

export type Family = 'ipv4' | 'ipv6';
export type AddrInterval = readonly [bigint, bigint];
/** Sorted, disjoint inclusive intervals. */
export type AddrSet = readonly AddrInterval[];

export const BITS: Record<Family, number> = { ipv4: 32, ipv6: 128 };
export const ANY: Record<Family, string> = { ipv4: '0.0.0.0/0', ipv6: '::/0' };

function toBig(bytes: number[]): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/**
 * A CIDR (or a bare address, as /32 or /128) as its family and interval.
 * @throws VigilError VIGIL_INVALID_INPUT naming the text, `input` (the file) and rule "cidr"
 */
export function parseCidr(text: string, input: string): { family: Family; interval: AddrInterval } {
  let r = parsed.get(text);
  if (!r) {
    r = parseCidrUncached(text, input);
    if (parsed.size > 100_000) parsed.clear();
    parsed.set(text, r);
  }
  return r;
}

// CIDRs repeat a lot in real inputs (0.0.0.0/0 in most rules); the parsed form is immutable
const parsed = new Map<string, { family: Family; interval: AddrInterval }>();

function parseCidrUncached(text: string, input: string): { family: Family; interval: AddrInterval } {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  let len: number;
  try {
    if (text.includes('/')) [addr, len] = ipaddr.parseCIDR(text);
    else {
      addr = ipaddr.parse(text);
      len = addr.kind() === 'ipv4' ? 32 : 128;
    }
  } catch (err) {
    throw new VigilError('VIGIL_INVALID_INPUT', `${input}: ${JSON.stringify(text)} is not a CIDR or IP address`, { input, rule: 'cidr', cause: err });
  }
  const family: Family = addr.kind() === 'ipv4' ? 'ipv4' : 'ipv6';
  const bits = BigInt(BITS[family]);
  const v = toBig(addr.toByteArray());
  const hostBits = bits - BigInt(len);
  const lo = (v >> hostBits) << hostBits;
  const hi = lo | ((1n << hostBits) - 1n);
  return { family, interval: [lo, hi] };
}

export function contains(i: AddrInterval, a: bigint): boolean {
  return i[0] <= a && a <= i[1];
}

export function setContains(s: AddrSet, a: bigint): boolean {
  return s.some((i) => contains(i, a));
}

export function normalizeAddrs(list: readonly AddrInterval[]): AddrSet {
  const s = [...list].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const out: [bigint, bigint][] = [];
  for (const [a, b] of s) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1n) last[1] = last[1] > b ? last[1] : b;
    else out.push([a, b]);
  }
  return out;
}

export function subtractAddrs(x: AddrSet, y: AddrSet): AddrSet {
  let cur: [bigint, bigint][] = x.map(([a, b]) => [a, b]);
  for (const [c, d] of y) {
    const next: [bigint, bigint][] = [];
    for (const [a, b] of cur) {
      if (d < a || c > b) next.push([a, b]);
      else {
        if (a < c) next.push([a, c - 1n]);
        if (d < b) next.push([d + 1n, b]);
      }
    }
    cur = next;
  }
  return cur;
}

function cidrs(list: string[]): AddrSet {
  return normalizeAddrs(list.map((c) => parseCidr(c, 'built-in').interval));
}

/**
 * The addresses the internet can send from. IPv4: everything except the special-purpose blocks
 * that are never routed on the internet (RFC 6890: this network, private, shared CGN, loopback,
 * link-local, IETF protocol assignments, benchmarking, multicast, reserved). Documentation blocks
 * (TEST-NET) are kept: they stand for public addresses in examples and tests. IPv6: the global
 * unicast block 2000::/3.
 */
export const PUBLIC: Record<Family, AddrSet> = {
  ipv4: subtractAddrs(cidrs(['0.0.0.0/0']), cidrs([
    '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12',
    '192.0.0.0/24', '192.168.0.0/16', '198.18.0.0/15', '224.0.0.0/4', '240.0.0.0/4',
  ])),
  ipv6: cidrs(['2000::/3']),
};

/**
 * Cuts `space` into classes: maximal intervals that no boundary of `cuts` crosses. Every address
 * in one class is inside exactly the same cuts, so one representative decides for all of it.
 */
export function classesOf(space: AddrSet, cuts: readonly AddrInterval[]): AddrInterval[] {
  const starts = new Set<bigint>();
  for (const [a, b] of space) {
    starts.add(a);
    starts.add(b + 1n);
  }
  for (const [a, b] of cuts) {
    starts.add(a);
    starts.add(b + 1n);
  }
  const sorted = [...starts].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  const out: AddrInterval[] = [];
  for (let i = 0; i + 1 < sorted.length; i++) {
    const a = sorted[i];
    const b = sorted[i + 1] - 1n;
    if (setContains(space, a)) out.push([a, b]);
  }
  return out;
}

function formatAddr(v: bigint, family: Family): string {
  const n = BITS[family] / 8;
  const bytes: number[] = [];
  for (let i = n - 1; i >= 0; i--) bytes.push(Number((v >> BigInt(i * 8)) & 0xffn));
  return (family === 'ipv4' ? ipaddr.fromByteArray(bytes) : ipaddr.fromByteArray(bytes)).toString();
}

/** An address set as the fewest CIDRs that cover exactly it. */
export function toCidrs(s: AddrSet, family: Family): string[] {
  const bits = BITS[family];
  const out: string[] = [];
  for (const [a0, b] of s) {
    let a = a0;
    while (a <= b) {
      let len = bits;
      // the largest aligned block starting at a that stays within b
      while (len > 0) {
        const size = 1n << BigInt(bits - len + 1);
        if (a % size !== 0n || a + size - 1n > b) break;
        len--;
      }
      out.push(`${formatAddr(a, family)}/${len}`);
      a += 1n << BigInt(bits - len);
    }
  }
  return out;
}

/** The family of an address text, or undefined when it is not an address. */
export function familyOf(text: string): Family | undefined {
  if (!ipaddr.isValid(text)) return undefined;
  return ipaddr.parse(text).kind() === 'ipv4' ? 'ipv4' : 'ipv6';
}

/** Whether an address is one the internet can reach (public), as in {@link PUBLIC}. */
export function isPublicAddress(text: string): boolean {
  const f = familyOf(text);
  if (!f) return false;
  let a = ipaddr.parse(text);
  if (a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress()) a = (a as ipaddr.IPv6).toIPv4Address();
  const fam: Family = a.kind() === 'ipv4' ? 'ipv4' : 'ipv6';
  return setContains(PUBLIC[fam], toBig(a.toByteArray()));
}

function size(s: AddrSet): bigint {
  return s.reduce((n, [a, b]) => n + (b - a + 1n), 0n);
}

/**
 * The sources of a finding, readably: every public address is `0.0.0.0/0` (`::/0`); most of them
 * is that with `except` CIDRs; a small part is its own CIDRs.
 */
export function describeSources(set: AddrSet, family: Family): { sources: string[]; except?: string[] } {
  const pub = PUBLIC[family];
  const missing = subtractAddrs(pub, set);
  if (missing.length === 0) return { sources: [ANY[family]] };
  if (size(missing) * 2n < size(pub)) return { sources: [ANY[family]], except: toCidrs(normalizeAddrs(missing), family) };
  return { sources: toCidrs(set, family) };
}
