/**
 * `nft -j list ruleset` (libnftables JSON, schema version 1: https://manpages.debian.org/nft(8),
 * https://manpages.debian.org/libnftables-json(5)) into firewall chains. Pure.
 *
 * Read exactly: base chains of type filter hooked at input in ip, ip6 and inet tables (policy,
 * priority order) and the regular chains they jump/goto to; matches on `tcp|udp|th dport`
 * (==, !=, a value, a set of values and ranges, a range), `meta l4proto` / `ip protocol` /
 * `ip6 nexthdr`, `ip saddr` / `ip6 saddr` (address, prefix, range, anonymous or named set),
 * `icmp type` / `icmpv6 type` (names or numbers, sets), `meta nfproto`, `ct state` (a rule only for established/related/invalid never matches a new
 * connection), `iif`/`iifname "lo"`; verdicts accept, drop, reject, jump, goto, return;
 * counter/log/comment statements are ignored. Anything else in a rule is an "unsupported rule" note
 * and the rule leans towards reachable (an accept is taken to match, a drop not).
 */
import { z } from 'zod';
import { parseCidr, type AddrInterval, type Family } from '../addr.ts';
import { VigilError } from '../../../model/errors.ts';
import type { NetworkNote } from '../finding.ts';
import { icmpType, intersect, normalize, subtract, trafficOf, tIntersect, tUnion, UNIVERSE, type PortSet, type Proto, type Traffic } from '../ports.ts';
import type { Firewall, FwChain, FwRule, Verdict } from './firewall.ts';

export const NFT_FILE = 'nft.json';

const Item = z.record(z.string(), z.unknown());
const NftDoc = z.object({ nftables: z.array(Item) });

interface ChainObj { family: string; table: string; name: string; handle?: number; type?: string; hook?: string; prio?: number | string; policy?: string }
interface RuleObj { family: string; table: string; chain: string; handle?: number; expr?: unknown[] }

const PROTO_NAMES: Record<string, Proto> = { tcp: 'tcp', udp: 'udp', icmp: 'icmp', 'ipv6-icmp': 'icmpv6', icmpv6: 'icmpv6' };
const PROTO_NUMBERS: Record<number, Proto> = { 6: 'tcp', 17: 'udp', 1: 'icmp', 58: 'icmpv6' };

/** A "right" value of ports: 22, {"set": [80, 443, {"range": [8000, 8080]}]}, {"range": [a, b]}. */
function portsOf(v: unknown): PortSet | undefined {
  if (typeof v === 'number') return [[v, v]];
  if (typeof v === 'string' && /^\d+$/.test(v)) return [[Number(v), Number(v)]];
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.range) && o.range.length === 2 && o.range.every((x) => typeof x === 'number')) return [[o.range[0] as number, o.range[1] as number]];
    if (Array.isArray(o.set)) {
      const parts = o.set.map(portsOf);
      if (parts.some((p) => !p)) return undefined;
      return normalize(parts.flatMap((p) => p!));
    }
  }
  return undefined;
}

/** A protocol value: "tcp", 6, {"set": ["tcp", "udp"]}. */
function protosOf(v: unknown): Proto[] | undefined {
  if (typeof v === 'string') return PROTO_NAMES[v] ? [PROTO_NAMES[v]] : undefined;
  if (typeof v === 'number') return [PROTO_NUMBERS[v] ?? 'ip'];
  if (v && typeof v === 'object' && Array.isArray((v as { set?: unknown }).set)) {
    const parts = ((v as { set: unknown[] }).set).map(protosOf);
    return parts.some((p) => !p) ? undefined : [...new Set(parts.flatMap((p) => p!))];
  }
  return undefined;
}

/** An address value: "1.2.3.4", {"prefix": {"addr", "len"}}, {"range": [a, b]}, {"set": [...]}, "@named". */
function addrsOf(v: unknown, sets: Map<string, unknown[]>, input: string): { family: Family; interval: AddrInterval }[] | undefined {
  if (typeof v === 'string') {
    if (v.startsWith('@')) {
      const elems = sets.get(v.slice(1));
      return elems ? addrsOf({ set: elems }, sets, input) : undefined;
    }
    return [parseCidr(v, input)];
  }
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (o.prefix && typeof o.prefix === 'object') {
      const p = o.prefix as { addr?: unknown; len?: unknown };
      if (typeof p.addr === 'string' && typeof p.len === 'number') return [parseCidr(`${p.addr}/${p.len}`, input)];
    }
    if (Array.isArray(o.range) && o.range.length === 2 && typeof o.range[0] === 'string' && typeof o.range[1] === 'string') {
      const a = parseCidr(o.range[0], input);
      const b = parseCidr(o.range[1], input);
      if (a.family === b.family) return [{ family: a.family, interval: [a.interval[0], b.interval[1]] }];
    }
    if (Array.isArray(o.set)) {
      const parts = o.set.map((e) => (e && typeof e === 'object' && 'elem' in (e as object) ? (e as { elem: { val?: unknown } }).elem.val ?? (e as { elem: unknown }).elem : e)).map((e) => addrsOf(e, sets, input));
      return parts.some((p) => !p) ? undefined : parts.flatMap((p) => p!);
    }
  }
  return undefined;
}

function describe(x: unknown): string {
  const s = JSON.stringify(x);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/**
 * Parses `nft -j list ruleset` output.
 * @throws VigilError VIGIL_INVALID_INPUT naming nft.json and the rule (`not-json`, `nft-json-shape`)
 */
export function parseNft(text: string, input = NFT_FILE): Firewall {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new VigilError('VIGIL_INVALID_INPUT', `${input}: not JSON (${(err as Error).message})`, { input, rule: 'not-json', cause: err });
  }
  const doc = NftDoc.safeParse(json);
  if (!doc.success) throw new VigilError('VIGIL_INVALID_INPUT', `${input}: not \`nft -j list ruleset\` output: expected {"nftables": [...]}`, { input, rule: 'nft-json-shape', cause: doc.error });
  const notes: NetworkNote[] = [];
  const chains: ChainObj[] = [];
  const rules: RuleObj[] = [];
  const sets = new Map<string, unknown[]>();
  for (const item of doc.data.nftables) {
    if (item.chain) chains.push(item.chain as ChainObj);
    else if (item.rule) rules.push(item.rule as RuleObj);
    else if (item.set) {
      const s = item.set as { family: string; table: string; name: string; elem?: unknown[] };
      sets.set(`${s.family} ${s.table} ${s.name}`, s.elem ?? []);
    }
  }
  const tables = new Map<string, Map<string, FwChain>>();
  const familiesOf = (f: string): Family[] => (f === 'inet' ? ['ipv4', 'ipv6'] : f === 'ip' ? ['ipv4'] : f === 'ip6' ? ['ipv6'] : []);
  for (const c of chains) {
    const tk = `${c.family} ${c.table}`;
    if (!tables.has(tk)) tables.set(tk, new Map());
    const isInput = c.hook === 'input' && (c.type ?? 'filter') === 'filter';
    tables.get(tk)!.set(c.name, { id: `${c.family} ${c.table} ${c.name}`, families: familiesOf(c.family), rules: [], table: tables.get(tk)!, ...(isInput ? { policy: c.policy === 'drop' ? 'drop' : 'accept' } : {}) });
    if (c.hook && c.hook !== 'input' && ['prerouting', 'ingress'].includes(c.hook)) {
      notes.push({ kind: 'assumption', input, componentId: `${c.family} ${c.table} ${c.name}`, message: `chain hooked at ${c.hook} is not evaluated (only the input hook is)`, assumed: 'it drops nothing (reachable)' });
    }
  }
  for (const r of rules) {
    const chain = tables.get(`${r.family} ${r.table}`)?.get(r.chain);
    if (!chain) continue;
    chain.rules.push(parseRule(r, sets, input, notes));
  }
  const inputChains = chains
    .filter((c) => c.hook === 'input' && (c.type ?? 'filter') === 'filter' && familiesOf(c.family).length > 0)
    .sort((a, b) => prio(a.prio) - prio(b.prio))
    .map((c) => tables.get(`${c.family} ${c.table}`)!.get(c.name)!);
  return { kind: 'nftables', input, inputChains, notes };
}

const PRIO_NAMES: Record<string, number> = { raw: -300, mangle: -150, dstnat: -100, filter: 0, security: 50, srcnat: 100 };
function prio(p: number | string | undefined): number {
  if (typeof p === 'number') return p;
  if (typeof p === 'string') return PRIO_NAMES[p] ?? 0;
  return 0;
}

function parseRule(r: RuleObj, sets: Map<string, unknown[]>, input: string, notes: NetworkNote[]): FwRule {
  const id = `handle ${r.handle ?? '?'}`;
  const where = `${r.family} ${r.table} ${r.chain} ${id}`;
  const rule: FwRule = { id, unknown: [], verdict: { kind: 'none' } };
  // protocol restriction (l4proto) and per-protocol port restrictions, combined at the end
  let protos: Proto[] | undefined;
  const ports: Partial<Record<'tcp' | 'udp' | 'th', PortSet>> = {};
  let icmpTypes: PortSet | undefined;
  const setFamily = (f: Family) => {
    if (rule.family && rule.family !== f) rule.never = 'matches both IPv4 and IPv6 headers';
    rule.family = f;
  };
  const restrictProtos = (p: Proto[]) => {
    protos = protos ? protos.filter((x) => p.includes(x)) : p;
  };
  for (const e of r.expr ?? []) {
    const s = e as Record<string, unknown>;
    const key = Object.keys(s)[0];
    const val = s[key] as Record<string, unknown> | null;
    if (key === 'match') {
      const { op, left, right } = val as { op: string; left: Record<string, Record<string, unknown>>; right: unknown };
      const neg = op === '!=';
      if (op !== '==' && op !== '!=' && op !== 'in') { rule.unknown.push(`match with operator ${op}: ${describe(val)}`); continue; }
      const payload = left?.payload as { protocol?: string; field?: string } | undefined;
      const meta = left?.meta as { key?: string } | undefined;
      const ct = left?.ct as { key?: string } | undefined;
      if (payload && (payload.protocol === 'tcp' || payload.protocol === 'udp' || payload.protocol === 'th') && payload.field === 'dport') {
        const p = portsOf(right);
        if (!p) { rule.unknown.push(`${payload.protocol} dport ${describe(right)}`); continue; }
        const pp = neg ? subtract(UNIVERSE.tcp, p) : p;
        const k = payload.protocol as 'tcp' | 'udp' | 'th';
        ports[k] = ports[k] ? intersect(ports[k]!, pp) : pp;
        if (payload.protocol !== 'th') restrictProtos([payload.protocol as Proto]);
        else restrictProtos(['tcp', 'udp']);
      } else if (payload && (payload.protocol === 'icmp' || payload.protocol === 'icmpv6') && payload.field === 'type') {
        const kind = payload.protocol;
        const values = right && typeof right === 'object' && Array.isArray((right as { set?: unknown }).set) ? (right as { set: unknown[] }).set : [right];
        const types = values.map((v) => (typeof v === 'string' || typeof v === 'number' ? icmpType(kind, v) : undefined));
        if (types.some((x) => x === undefined)) { rule.unknown.push(`${kind} type ${describe(right)}`); restrictProtos([kind]); continue; }
        const set = normalize(types.map((x) => [x!, x!] as [number, number]));
        icmpTypes = neg ? subtract(UNIVERSE[kind], set) : set;
        restrictProtos([kind]);
        setFamily(kind === 'icmp' ? 'ipv4' : 'ipv6');
      } else if ((meta?.key === 'l4proto') || (payload?.protocol === 'ip' && payload.field === 'protocol') || (payload?.protocol === 'ip6' && payload.field === 'nexthdr')) {
        const p = protosOf(right);
        if (!p || p.includes('ip')) { rule.unknown.push(`protocol ${describe(right)}`); continue; }
        restrictProtos(neg ? (['tcp', 'udp', 'icmp', 'icmpv6', 'ip'] as Proto[]).filter((x) => !p.includes(x)) : p);
        if (payload?.protocol === 'ip') setFamily('ipv4');
        if (payload?.protocol === 'ip6') setFamily('ipv6');
      } else if (payload && (payload.protocol === 'ip' || payload.protocol === 'ip6') && payload.field === 'saddr') {
        const cidrs = addrsOf(right, new Map([...sets].filter(([k]) => k.startsWith(`${r.family} ${r.table} `)).map(([k, v]) => [k.split(' ')[2], v])), `${input} ${where}`);
        if (!cidrs) { rule.unknown.push(`${payload.protocol} saddr ${describe(right)}`); continue; }
        setFamily(payload.protocol === 'ip' ? 'ipv4' : 'ipv6');
        if (rule.sources) rule.unknown.push('two source address matches');
        else rule.sources = { cidrs, negate: neg };
      } else if (meta?.key === 'nfproto') {
        if (right === 'ipv4' || right === 'ipv6') {
          const f: Family = right === 'ipv4' ? 'ipv4' : 'ipv6';
          if (neg) setFamily(f === 'ipv4' ? 'ipv6' : 'ipv4');
          else setFamily(f);
        } else rule.unknown.push(`meta nfproto ${describe(right)}`);
      } else if (ct?.key === 'state') {
        const states = (Array.isArray(right) ? right : typeof right === 'string' ? [right] : (right as { set?: unknown[] })?.set ?? []).map(String);
        const hasNew = states.includes('new');
        // a new connection from the internet is in state "new"
        if (hasNew === neg) rule.never = `ct state ${neg ? '!= ' : ''}${states.join(',')} does not match new connections`;
      } else if ((meta?.key === 'iif' || meta?.key === 'iifname') && right === 'lo') {
        if (!neg) rule.never = 'only loopback traffic (iif lo)';
      } else {
        rule.unknown.push(`match ${describe(left)} ${op} ${describe(right)}`);
      }
    } else if (key === 'accept') rule.verdict = { kind: 'accept' };
    else if (key === 'drop' || key === 'reject') rule.verdict = { kind: 'drop' };
    else if (key === 'return') rule.verdict = { kind: 'return' };
    else if (key === 'jump' || key === 'goto') {
      const target = (val as { target?: string })?.target;
      if (target) rule.verdict = { kind: key, chain: target } as Verdict;
      else rule.unknown.push(`${key} without target`);
    } else if (key === 'counter' || key === 'log' || key === 'comment' || key === 'continue') {
      // statements that do not decide
    } else if (key === 'limit' || key === 'quota' || key === 'ct count') {
      rule.unknown.push(`${key} ${describe(val)}`);
    } else if (key === 'queue') {
      rule.unknown.push('queue (a userspace program decides)');
      rule.verdict = { kind: 'accept' };
    } else {
      rule.unknown.push(`statement ${describe(s)}`);
    }
  }
  // ports and protocols into one traffic set
  let t: Traffic | undefined;
  const tcpPorts = ports.tcp ?? ports.th;
  const udpPorts = ports.udp ?? ports.th;
  if (protos || tcpPorts || udpPorts) {
    const list = protos ?? (['tcp', 'udp', 'icmp', 'icmpv6', 'ip'] as Proto[]);
    t = {};
    for (const p of list) {
      const only = p === 'tcp' ? tcpPorts : p === 'udp' ? udpPorts : p === 'icmp' || p === 'icmpv6' ? icmpTypes : undefined;
      if ((ports.tcp || ports.udp || ports.th) && !only) continue; // a port match excludes protocols without ports
      t = tUnion(t, trafficOf(p, only));
    }
    if (ports.tcp && ports.udp) t = {}; // "tcp dport x udp dport y" can never both hold
    if (ports.th && (ports.tcp || ports.udp)) t = tIntersect(t, tUnion(trafficOf('tcp', ports.th), trafficOf('udp', ports.th)));
  }
  if (t) rule.traffic = t;
  if (rule.unknown.length > 0 && !rule.never) {
    const leaning = rule.verdict.kind === 'drop' ? 'does not match (the drop is ignored: reachable)' : rule.verdict.kind === 'accept' || rule.verdict.kind === 'none' ? 'matches (reachable)' : 'both matches and does not (what either way accepts counts: reachable)';
    notes.push({ kind: 'unsupported-rule', input, componentId: where, message: `not evaluated: ${rule.unknown.join('; ')}`, assumed: `the rule ${leaning}` });
  }
  return rule;
}
