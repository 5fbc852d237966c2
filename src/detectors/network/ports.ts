/**
 * Exact sets of ports (or ICMP types, or IP protocol numbers) as sorted, disjoint, non-adjacent
 * inclusive intervals, and traffic sets: one such set per protocol. Every firewall layer in this
 * folder is evaluated as set algebra over these, so the output is the maximal open ranges, not
 * one line per rule.
 */

/** Inclusive interval list, sorted, disjoint and non-adjacent (`[[22,22],[80,443]]`). */
export type PortSet = readonly (readonly [number, number])[];

export const EMPTY: PortSet = [];

/** One interval; empty when `begin > end`. */
export function range(begin: number, end: number): PortSet {
  return begin <= end ? [[begin, end]] : EMPTY;
}

/** Normalizes any list of intervals (unsorted, overlapping) into a PortSet. */
export function normalize(list: readonly (readonly [number, number])[]): PortSet {
  const s = list.filter(([a, b]) => a <= b).map(([a, b]) => [a, b] as [number, number]).sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [a, b] of s) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

export function union(x: PortSet, y: PortSet): PortSet {
  if (x.length === 0) return y;
  if (y.length === 0) return x;
  // both are sorted: merge them in one pass
  const out: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    const next = j >= y.length || (i < x.length && x[i][0] <= y[j][0]) ? x[i++] : y[j++];
    const last = out[out.length - 1];
    if (last && next[0] <= last[1] + 1) {
      if (next[1] > last[1]) last[1] = next[1];
    } else out.push([next[0], next[1]]);
  }
  return out;
}

export function intersect(x: PortSet, y: PortSet): PortSet {
  const out: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    const a = Math.max(x[i][0], y[j][0]);
    const b = Math.min(x[i][1], y[j][1]);
    if (a <= b) out.push([a, b]);
    if (x[i][1] < y[j][1]) i++;
    else j++;
  }
  return out;
}

export function subtract(x: PortSet, y: PortSet): PortSet {
  if (x.length === 0 || y.length === 0) return x;
  const out: [number, number][] = [];
  let j = 0;
  for (const [a0, b] of x) {
    let a = a0;
    while (j < y.length && y[j][1] < a) j++;
    let k = j;
    while (k < y.length && y[k][0] <= b) {
      if (y[k][0] > a) out.push([a, y[k][0] - 1]);
      a = Math.max(a, y[k][1] + 1);
      if (a > b) break;
      k++;
    }
    if (a <= b) out.push([a, b]);
  }
  return out;
}

export function isEmpty(x: PortSet): boolean {
  return x.length === 0;
}

export function equals(x: PortSet, y: PortSet): boolean {
  return x.length === y.length && x.every((r, i) => r[0] === y[i][0] && r[1] === y[i][1]);
}

/** Whether `x` ⊆ `y`. */
export function isSubset(x: PortSet, y: PortSet): boolean {
  return isEmpty(subtract(x, y));
}

export function overlaps(x: PortSet, y: PortSet): boolean {
  return !isEmpty(intersect(x, y));
}

/** `22`, `80-443`, `22, 80-443` */
export function formatPorts(x: PortSet): string {
  return x.map(([a, b]) => (a === b ? String(a) : `${a}-${b}`)).join(', ');
}

/**
 * The protocols a traffic set tells apart. `tcp`/`udp`: ports 0–65535; `icmp`/`icmpv6`: ICMP
 * types 0–255; `ip`: every other IP protocol, by protocol number (its "ports" are protocol numbers).
 */
export type Proto = 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'ip';
export const PROTOS: readonly Proto[] = ['tcp', 'udp', 'icmp', 'icmpv6', 'ip'];

/** The numbers each protocol's set ranges over. */
export const UNIVERSE: Readonly<Record<Proto, PortSet>> = {
  tcp: range(0, 65535),
  udp: range(0, 65535),
  icmp: range(0, 255),
  icmpv6: range(0, 255),
  // every IP protocol number except those modelled on their own (1 icmp, 6 tcp, 17 udp, 58 icmpv6)
  ip: normalize([[0, 0], [2, 5], [7, 16], [18, 57], [59, 255]]),
};

/** A set of traffic: per protocol, the ports (types, numbers) in it. Absent = none. */
export type Traffic = Partial<Record<Proto, PortSet>>;

export const NO_TRAFFIC: Traffic = {};

export function allTraffic(): Traffic {
  return { ...UNIVERSE };
}

/** Traffic of one protocol. */
export function trafficOf(proto: Proto, ports: PortSet = UNIVERSE[proto]): Traffic {
  const p = intersect(ports, UNIVERSE[proto]);
  return isEmpty(p) ? {} : { [proto]: p };
}

/**
 * An IP protocol number (as in NACL entries and SG rules: 6, 17, 1, 58, 50, …) as traffic, with
 * ports for tcp/udp (types for icmp) when given; -1 is every protocol.
 */
export function trafficOfNumber(n: number, ports?: PortSet): Traffic {
  if (n === -1) return allTraffic();
  if (n === 6) return trafficOf('tcp', ports);
  if (n === 17) return trafficOf('udp', ports);
  if (n === 1) return trafficOf('icmp', ports);
  if (n === 58) return trafficOf('icmpv6', ports);
  return trafficOf('ip', range(n, n));
}

function combine(x: Traffic, y: Traffic, op: (a: PortSet, b: PortSet) => PortSet, keepX: boolean, keepY: boolean): Traffic {
  const out: Traffic = {};
  for (const p of PROTOS) {
    const a = x[p];
    const b = y[p];
    let r: PortSet | undefined;
    if (a && b) r = op(a, b);
    else if (a && keepX) r = a;
    else if (b && keepY) r = b;
    if (r && r.length > 0) out[p] = r;
  }
  return out;
}

export function tUnion(x: Traffic, y: Traffic): Traffic {
  return combine(x, y, union, true, true);
}
export function tIntersect(x: Traffic, y: Traffic): Traffic {
  return combine(x, y, intersect, false, false);
}
export function tSubtract(x: Traffic, y: Traffic): Traffic {
  return combine(x, y, subtract, true, false);
}
export function tIsEmpty(x: Traffic): boolean {
  return PROTOS.every((p) => !x[p] || x[p]!.length === 0);
}
export function tEquals(x: Traffic, y: Traffic): boolean {
  return PROTOS.every((p) => equals(x[p] ?? EMPTY, y[p] ?? EMPTY));
}
export function tIsSubset(x: Traffic, y: Traffic): boolean {
  return tIsEmpty(tSubtract(x, y));
}
/** Only the protocols in `keep`. */
export function tOnly(x: Traffic, keep: readonly Proto[]): Traffic {
  const out: Traffic = {};
  for (const p of keep) if (x[p]) out[p] = x[p];
  return out;
}

/**
 * ICMP and ICMPv6 type names as nft and iptables print them (nft(8) "ICMP TYPE", iptables
 * `--icmp-type help`), to type numbers.
 */
export const ICMP_TYPES: Record<'icmp' | 'icmpv6', Record<string, number>> = {
  icmp: {
    'echo-reply': 0, 'destination-unreachable': 3, 'source-quench': 4, redirect: 5, 'echo-request': 8, 'router-advertisement': 9,
    'router-solicitation': 10, 'time-exceeded': 11, 'parameter-problem': 12, 'timestamp-request': 13, 'timestamp-reply': 14,
    'info-request': 15, 'info-reply': 16, 'address-mask-request': 17, 'address-mask-reply': 18,
  },
  icmpv6: {
    'destination-unreachable': 1, 'packet-too-big': 2, 'time-exceeded': 3, 'parameter-problem': 4, 'echo-request': 128, 'echo-reply': 129,
    'mld-listener-query': 130, 'mld-listener-report': 131, 'mld-listener-done': 132, 'mld-listener-reduction': 132,
    'nd-router-solicit': 133, 'nd-router-advert': 134, 'nd-neighbor-solicit': 135, 'nd-neighbor-advert': 136, 'nd-redirect': 137,
    'router-solicitation': 133, 'router-advertisement': 134, 'neighbour-solicitation': 135, 'neighbor-solicitation': 135,
    'neighbour-advertisement': 136, 'neighbor-advertisement': 136, redirect: 137, 'mld2-listener-report': 143,
  },
};

/** An ICMP type given as a number or a name (`8`, `echo-request`, `8/0`: the code is not told apart); undefined when unknown. */
export function icmpType(kind: 'icmp' | 'icmpv6', v: string | number): number | undefined {
  if (typeof v === 'number') return v >= 0 && v <= 255 ? v : undefined;
  const m = /^(\d{1,3})(?:\/\d{1,3})?$/.exec(v);
  if (m) return Number(m[1]) <= 255 ? Number(m[1]) : undefined;
  return ICMP_TYPES[kind][v.toLowerCase()];
}
