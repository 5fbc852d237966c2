/**
 * A host firewall as the analysis sees it — chains of rules with a match, a verdict and, where a
 * rule could not be read exactly, the conditions left unevaluated — and its evaluation: which
 * (protocol, ports) new connections from each internet source class get accepted on the input
 * hook. nftables (nft.ts) and iptables (iptables.ts) both parse into this.
 */
import { classesOf, parseCidr, PUBLIC, setContains, type AddrInterval, type Family } from '../addr.ts';
import type { NetworkNote } from '../finding.ts';
import { allTraffic, range, tIntersect, tIsEmpty, tOnly, trafficOf, tSubtract, tUnion, type Proto, type Traffic } from '../ports.ts';

export type Verdict =
  | { kind: 'accept' } | { kind: 'drop' } | { kind: 'return' } | { kind: 'none' }
  | { kind: 'jump'; chain: string } | { kind: 'goto'; chain: string };

export interface FwRule {
  /** "handle 9" (nft) or "line 12" (iptables-save) */
  id: string;
  /** the rule restricted to one address family (an `ip saddr` match, ip6tables) */
  family?: Family;
  /** the traffic it matches; undefined: every protocol and port */
  traffic?: Traffic;
  /** source addresses it matches (per family), and whether the match is negated */
  sources?: { cidrs: { family: Family; interval: AddrInterval }[]; negate: boolean };
  /** why it never matches a new connection from the internet (ct state established, iif lo) */
  never?: string;
  /** conditions that were not evaluated: an accept is assumed to match, a drop not to */
  unknown: string[];
  verdict: Verdict;
}

export interface FwChain {
  /** "inet filter input", "filter INPUT" */
  id: string;
  /** the families the chain sees (inet: both) */
  families: Family[];
  /** present on a base chain (hooked at input): its policy */
  policy?: 'accept' | 'drop';
  rules: FwRule[];
  /** name → chain, for jumps (the chain's own table) */
  table: Map<string, FwChain>;
}

export interface Firewall {
  /** "nftables" or "iptables" or "ip6tables" */
  kind: string;
  /** the file it came from */
  input: string;
  /** the base chains hooked at input, in priority order: a packet must pass every one */
  inputChains: FwChain[];
  notes: NetworkNote[];
}

const FAMILY_PROTOS: Record<Family, Proto[]> = { ipv4: ['tcp', 'udp', 'icmp', 'ip'], ipv6: ['tcp', 'udp', 'icmpv6', 'ip'] };

interface ChainOutcome {
  accepted: Traffic;
  returned: Traffic;
  /** which rule (chain id + rule id, or chain id + "policy") accepted what, in evaluation order */
  acceptedBy: { by: string; traffic: Traffic }[];
}

const MAX_DEPTH = 32;

function ruleMatches(r: FwRule, family: Family, a: bigint): boolean {
  if (r.never) return false;
  if (r.family && r.family !== family) return false;
  if (r.sources) {
    const inside = r.sources.cidrs.some((c) => c.family === family && setContains([c.interval], a));
    // a set of only the other family's addresses does not match this family at all
    const anyOfFamily = r.sources.cidrs.some((c) => c.family === family);
    if (!anyOfFamily && !r.sources.negate) return false;
    if (inside === r.sources.negate) return false;
  }
  // unevaluated conditions lean towards "reachable": an accepting rule matches, a dropping one does
  // not; a jump, goto or return is followed both ways (evalChain)
  if (r.unknown.length > 0 && r.verdict.kind === 'drop') return false;
  return true;
}

function evalChain(chain: FwChain, t: Traffic, family: Family, a: bigint, depth: number, fw: Firewall): ChainOutcome {
  const out: ChainOutcome = { accepted: {}, returned: {}, acceptedBy: [] };
  let rem = t;
  for (const r of chain.rules) {
    if (tIsEmpty(rem)) break;
    if (!ruleMatches(r, family, a)) continue;
    const m = r.traffic ? tIntersect(rem, r.traffic) : rem;
    if (tIsEmpty(m)) continue;
    const v = r.verdict;
    // a jump/goto/return whose match could not be evaluated: taken and not taken at once — what the
    // target chain accepts counts, and the traffic also goes on down this chain (the union of both
    // outcomes, since the rest of a chain can only accept more of more traffic)
    const both = r.unknown.length > 0;
    if (v.kind === 'accept') {
      out.accepted = tUnion(out.accepted, m);
      out.acceptedBy.push({ by: `${chain.id} ${r.id}`, traffic: m });
      rem = tSubtract(rem, m);
    } else if (v.kind === 'drop') rem = tSubtract(rem, m);
    else if (v.kind === 'return') {
      out.returned = tUnion(out.returned, m);
      if (!both) rem = tSubtract(rem, m);
    } else if (v.kind === 'jump' || v.kind === 'goto') {
      const target = chain.table.get(v.chain);
      if (!target || depth >= MAX_DEPTH) {
        // a jump to a chain that is not there (or a loop) is read as accepting: the conservative side
        fw.notes.push({ kind: 'unsupported-rule', input: fw.input, componentId: `${chain.id} ${r.id}`, message: target ? `jump depth over ${MAX_DEPTH} (a loop?)` : `${v.kind} to chain ${JSON.stringify(v.chain)} that is not in the ruleset`, assumed: 'accept (reachable)' });
        out.accepted = tUnion(out.accepted, m);
        out.acceptedBy.push({ by: `${chain.id} ${r.id}`, traffic: m });
        rem = tSubtract(rem, m);
        continue;
      }
      const sub = evalChain(target, m, family, a, depth + 1, fw);
      out.accepted = tUnion(out.accepted, sub.accepted);
      out.acceptedBy.push(...sub.acceptedBy);
      if (both) continue;
      rem = tSubtract(rem, m);
      if (v.kind === 'jump') rem = tUnion(rem, sub.returned);
      else out.returned = tUnion(out.returned, sub.returned);
    }
  }
  if (chain.policy === 'accept') {
    if (!tIsEmpty(rem)) out.acceptedBy.push({ by: `${chain.id} policy accept`, traffic: rem });
    out.accepted = tUnion(out.accepted, rem);
  } else if (!chain.policy) out.returned = tUnion(out.returned, rem);
  return out;
}

/** What the firewalls let in from one family's internet: per source class, and the accepting rules. */
export interface FirewallOpen {
  family: Family;
  total: Traffic;
  perClass: { interval: AddrInterval; traffic: Traffic; acceptedBy: { by: string; traffic: Traffic }[] }[];
}

/**
 * New connections from the internet that every firewall given accepts (each one's input base
 * chains all accept; no chain for a family means that family passes).
 */
export function openFromInternet(firewalls: Firewall[], family: Family): FirewallOpen {
  const res: FirewallOpen = { family, total: {}, perClass: [] };
  // IPv6 needs neighbour discovery: a router resolves the host with a neighbour solicitation
  // (ICMPv6 type 135, from its link-local address) before it can deliver anything. A firewall
  // that drops those drops every IPv6 packet from the internet (RFC 4861 §7.2, RFC 4890 §4.4.1).
  if (family === 'ipv6') {
    const routerLinkLocal = parseCidr('fe80::1', 'built-in').interval[0];
    let ns: Traffic = trafficOf('icmpv6', range(135, 135));
    for (const fw of firewalls) for (const chain of fw.inputChains) if (chain.families.includes('ipv6') && !tIsEmpty(ns)) ns = evalChain(chain, ns, 'ipv6', routerLinkLocal, 0, fw).accepted;
    if (tIsEmpty(ns)) {
      const fw = firewalls.find((f) => f.inputChains.some((c) => c.families.includes('ipv6')))!;
      fw.notes.push({ kind: 'assumption', input: fw.input, componentId: fw.inputChains.filter((c) => c.families.includes('ipv6')).map((c) => c.id).join(', '), message: 'ICMPv6 neighbour solicitations (type 135) from the router are dropped: no IPv6 packet can be delivered to the host', assumed: 'nothing is reachable over IPv6' });
      return res;
    }
  }
  const cuts: AddrInterval[] = [];
  for (const fw of firewalls) for (const c of fw.inputChains) for (const ch of [c, ...c.table.values()]) for (const r of ch.rules) for (const s of r.sources?.cidrs ?? []) if (s.family === family) cuts.push(s.interval);
  for (const cls of classesOf(PUBLIC[family], cuts)) {
    let t: Traffic = tOnly(allTraffic(), FAMILY_PROTOS[family]);
    const by: { by: string; traffic: Traffic }[] = [];
    for (const fw of firewalls) {
      for (const chain of fw.inputChains) {
        if (!chain.families.includes(family)) continue;
        const o = evalChain(chain, t, family, cls[0], 0, fw);
        t = o.accepted;
        by.push(...o.acceptedBy);
        if (tIsEmpty(t)) break;
      }
    }
    if (tIsEmpty(t)) continue;
    res.perClass.push({ interval: cls, traffic: t, acceptedBy: by.map((b) => ({ by: b.by, traffic: tIntersect(b.traffic, t) })).filter((b) => !tIsEmpty(b.traffic)) });
    res.total = tUnion(res.total, t);
  }
  return res;
}
